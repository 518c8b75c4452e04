"""The last good venue and schedule, kept in `state_dir` (`last-good.json`).

After every load in which both files were valid the service records them here, as the
validated models (paths already absolute), so that a controller restarted with a broken
venue or schedule (a bad edit, then a reboot) runs on the last good version instead of
leaving the room dark. The copy belongs to one venue file: another venue never uses it.

Where to look when the venue file itself is broken: the `state_dir` it names (if that
much can still be read), systemd's `$STATE_DIRECTORY`, and the default `var/` beside it.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from showctl.files.kinds import read
from showctl.files.loader import Config, LastGood, load_config
from showctl.model import Schedule, Venue

log = logging.getLogger(__name__)
FILE = "last-good.json"


def load_with_last_good(venue_path: Path | str) -> Config:
    """`load_config`, with the last good copy standing in for a rejected venue or schedule;
    InvalidFiles as before when there is no copy."""
    path = Path(venue_path).absolute()
    return load_config(path, find(path))


def record(config: Config, saved: float) -> dict[str, Any] | None:
    """What `last-good.json` holds for `config`; None when its venue or schedule is itself
    a stand-in (the files are not good: keep the copy there is)."""
    if config.last_good or config.venue.source is None:
        return None
    return {"venue_file": str(config.venue.source), "saved": saved,
            "venue": config.venue.model_dump(mode="json"),
            "schedule": config.schedule.model_dump(mode="json")}


def find(venue_path: Path) -> LastGood | None:
    """The copy kept for `venue_path`, or None."""
    for folder in _state_dirs(venue_path):
        try:
            data = json.loads((folder / FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict) or data.get("venue_file") != str(venue_path):
            continue
        try:
            venue = Venue.model_validate(data["venue"]).model_copy(update={"source": venue_path})
            schedule = Schedule.model_validate(data["schedule"])
            return LastGood(venue, schedule, float(data["saved"]))
        except (KeyError, TypeError, ValueError, ValidationError) as exc:
            log.error("the last good copy %s cannot be used: %s", folder / FILE, exc)
    return None


def _state_dirs(venue_path: Path) -> list[Path]:
    base, found = venue_path.parent, []
    doc, _ = read(venue_path)
    data = doc.data if doc is not None else None
    if isinstance(data, dict) and isinstance(data.get("state_dir"), str):
        found.append((base / data["state_dir"]).resolve())
    found += [Path(p) for p in os.environ.get("STATE_DIRECTORY", "").split(":") if p]
    found.append((base / Venue.model_fields["state_dir"].default).resolve())
    return list(dict.fromkeys(found))
