"""Writing a file into a throwaway venue and reading back its error lines."""

from __future__ import annotations

import textwrap
from pathlib import Path

from showctl.files.errors import InvalidFiles
from showctl.files.loader import load_config
from tests.support import write_config


def venue_with(tmp_path: Path, *, show: str | None = None, schedule: str | None = None,
               venue: str | None = None) -> Path:
    """A test venue (9 screens, `lights`, group `front`) with the given file texts."""
    venue_path = write_config(tmp_path, shows=[])
    if show is not None:
        (tmp_path / "shows" / "show.yaml").write_text(textwrap.dedent(show))
    if schedule is not None:
        (tmp_path / "config" / "schedule.yaml").write_text(textwrap.dedent(schedule))
    if venue is not None:
        venue_path.write_text(textwrap.dedent(venue))
    return venue_path


def errors(tmp_path: Path, **texts: str) -> list[str]:
    """`line:col: message` for every error load_config reports (paths checked apart)."""
    venue_path = venue_with(tmp_path, **texts)
    try:
        load_config(venue_path)
    except InvalidFiles as exc:
        return [f"{e.path.name}:{e.line}:{e.column}: {e.message}" for e in exc.errors]
    return []
