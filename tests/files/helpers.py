"""Writing a file into a throwaway venue and reading back its error lines."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import yaml

from showctl.files.errors import InvalidFiles
from showctl.files.loader import load_config
from tests.support import write_config


def venue_with(tmp_path: Path, *, show: str | None = None, schedule: str | None = None,
               venue: str | None = None, devices: list[dict] | None = None) -> Path:
    """A test venue (9 screens, `lights`, group `front`) with the given file texts,
    or with more `devices`."""
    venue_path = write_config(tmp_path, shows=[])
    if devices:
        data = yaml.safe_load(venue_path.read_text())
        data["devices"] += devices
        venue_path.write_text(yaml.safe_dump(data, sort_keys=False))
    if show is not None:
        (tmp_path / "shows" / "show.yaml").write_text(textwrap.dedent(show))
    if schedule is not None:
        (tmp_path / "config" / "schedule.yaml").write_text(textwrap.dedent(schedule))
    if venue is not None:
        venue_path.write_text(textwrap.dedent(venue))
    return venue_path


def errors(tmp_path: Path, **texts: Any) -> list[str]:
    """`line:col: message` for every error load_config reports (paths checked apart)."""
    venue_path = venue_with(tmp_path, **texts)
    try:
        config = load_config(venue_path)
    except InvalidFiles as exc:
        found = exc.errors
    else:  # the venue and schedule are good: the bad shows are rejected alone
        found = sorted(e for bad in config.rejected.values() for e in bad)
    return [f"{e.path.name}:{e.line}:{e.column}: {e.message}" for e in found]
