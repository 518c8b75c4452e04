"""The venue, its schedule and every show, loaded and checked together.

An invalid file is rejected whole, and `load_config` reports the errors of every
file before raising, so an operator fixes everything in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from showctl.errors import NotFound
from showctl.files.errors import FileError, InvalidFiles
from showctl.files.kinds import Loaded, load_schedule, load_show, load_venue, read
from showctl.model import Schedule, Show, Venue

__all__ = [
    "Config",
    "FileError",
    "InvalidFiles",
    "config_files",
    "find_show",
    "load_config",
    "show_files",
    "show_ids",
]


@dataclass(frozen=True)
class Config:
    venue: Venue  # paths resolved relative to the venue file; `source` is that file
    shows: dict[str, Show]  # by show id
    show_paths: dict[str, Path]
    schedule: Schedule
    schedule_path: Path


def show_files(folder: Path) -> list[Path]:
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def show_ids(folder: Path) -> set[str]:
    """Every show id written in `folder`, valid file or not (for schedule checks)."""
    if not folder.is_dir():
        return set()
    ids = set()
    for path in show_files(folder):
        doc, _ = read(path)
        data = doc.data if doc else None
        if isinstance(data, dict) and isinstance(data.get("id"), str | int):
            ids.add(str(data["id"]))
    return ids


def load_config(venue_path: Path | str) -> Config:
    """Everything the venue file points at; raises InvalidFiles listing every error."""
    loaded = load_venue(Path(venue_path))
    errors = list(loaded.errors)
    if loaded.doc is None:  # unreadable: nothing tells where the rest is
        raise InvalidFiles(errors)
    venue = loaded.model
    shows_dir, schedule_path = _places(loaded)
    shows, show_paths, known_ids, show_errors = _load_shows(shows_dir, loaded, venue)
    errors += show_errors
    schedule = Schedule()
    if schedule_path.exists() or "schedule" in loaded.raw:
        sched = load_schedule(schedule_path, known_ids)
        errors += sched.errors
        schedule = sched.model or schedule
    if errors or venue is None:
        raise InvalidFiles(errors)
    return Config(venue, shows, show_paths, schedule, schedule_path.absolute())


def _places(loaded: Loaded[Venue]) -> tuple[Path, Path]:
    """The shows folder and the schedule file of a venue, even an invalid one."""
    if loaded.model is not None:
        return loaded.model.shows, loaded.model.schedule
    base = loaded.path.parent
    shows = (base / str(loaded.raw.get("shows", "../shows"))).resolve()
    return shows, (base / str(loaded.raw.get("schedule", "schedule.yaml"))).resolve()


def config_files(venue_path: Path | str) -> list[Path]:
    """Every file `load_config` reads: the venue, its schedule (when there is one) and
    each show file, even when the venue is invalid."""
    loaded = load_venue(Path(venue_path))
    if loaded.doc is None:
        return [loaded.path]
    shows_dir, schedule_path = _places(loaded)
    schedule = [schedule_path] if schedule_path.exists() or "schedule" in loaded.raw else []
    shows = show_files(shows_dir) if shows_dir.is_dir() else []
    return [loaded.path, *schedule, *shows]


def _load_shows(
    shows_dir: Path, loaded: Loaded[Venue], venue: Venue | None
) -> tuple[dict[str, Show], dict[str, Path], set[str], list[FileError]]:
    """Shows by id, their paths, every id written (even in invalid files), errors."""
    assert loaded.doc is not None
    errors: list[FileError] = []
    shows: dict[str, Show] = {}
    paths: dict[str, Path] = {}
    known: set[str] = set()
    if not shows_dir.is_dir():
        message = f"the shows folder {shows_dir} does not exist"
        return shows, paths, known, [loaded.doc.error(("shows",), message)]
    same_id: dict[str, list[Loaded[Show]]] = {}
    for path in show_files(shows_dir):
        show = load_show(path, venue)
        errors += show.errors
        written_id = show.model.id if show.model else show.raw.get("id")
        if isinstance(written_id, str | int) and not isinstance(written_id, bool):
            known.add(str(written_id))
            # every file that names an id, valid or not: a shared id is reported at once
            same_id.setdefault(str(written_id), []).append(show)
    for show_id, files in same_id.items():
        if len(files) > 1:
            errors += _shared_id(show_id, files)
            continue
        [only] = files
        if only.model is not None and not only.errors:
            shows[show_id], paths[show_id] = only.model, only.path
    return shows, paths, known, errors


def _shared_id(show_id: str, files: list[Loaded[Show]]) -> list[FileError]:
    """One error on each file that claims `show_id`, naming all the others."""
    errors = []
    for show in files:
        assert show.doc is not None
        others = [f"{o.path.name} (line {o.doc.where(('id',))[0]})" for o in files
                  if o is not show and o.doc is not None]
        errors.append(show.doc.error(("id",), f"show id {show_id!r} is also used by "
                                     f"{', '.join(others)}: each show needs its own id"))
    return errors


def find_show(config: Config, name: str) -> Show:
    """A show by id, or by file path (a file outside the shows folder is loaded and
    checked against the venue); raises NotFound, or InvalidFiles for a bad file."""
    if name in config.shows:
        return config.shows[name]
    path = Path(name).absolute()
    for show_id, show_path in config.show_paths.items():
        if show_path == path or show_path.resolve() == path.resolve():
            return config.shows[show_id]
    if path.suffix in (".yaml", ".yml") and path.is_file():
        loaded = load_show(path, config.venue)
        if loaded.errors or loaded.model is None:
            raise InvalidFiles(loaded.errors)
        return loaded.model
    known = ", ".join(sorted(config.shows)) or "none"
    raise NotFound(f"no show {name!r} (shows: {known})")
