"""The venue, its schedule and every show, loaded and checked together.

An invalid file is rejected whole, with the errors of every file found in one pass.
A bad show file is rejected alone: the good shows load and `Config.rejected` lists it.
A bad venue or schedule makes `load_config` raise, unless a last good copy is given
(`LastGood`: the config in force on a reload, or the copy kept in `state_dir` at
start-up); then that copy is used and the file is listed as rejected.

Pure (reads files, touches no loop or global): the controller runs it off the loop.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from showctl.errors import NotFound
from showctl.files.errors import FileError, InvalidFiles
from showctl.files.kinds import Loaded, load_schedule, load_show, load_venue, read
from showctl.model import Schedule, Show, Venue

__all__ = [
    "Config",
    "FileError",
    "InvalidFiles",
    "LastGood",
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
    rejected: dict[Path, tuple[FileError, ...]] = field(default_factory=dict)
    """Files not in force, each with its errors: bad shows (the good ones loaded), and a
    venue or schedule replaced by its last good copy."""
    last_good: dict[str, float] = field(default_factory=dict)
    """"venue" / "schedule" -> wall time its copy in force was saved, when the file itself
    was rejected and that copy stands in for it."""
    kept: frozenset[str] = frozenset()
    """Show ids whose file was rejected and whose previous version stays in force."""


@dataclass(frozen=True)
class LastGood:
    """The venue and schedule to use when their files are rejected."""

    venue: Venue | None = None
    schedule: Schedule | None = None
    saved: float = 0.0  # wall time these were loaded from valid files


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


def load_config(venue_path: Path | str, last_good: LastGood | None = None) -> Config:
    """Everything the venue file points at. Bad shows are left out (`Config.rejected`);
    a bad venue or schedule raises InvalidFiles listing every error of every file, unless
    `last_good` has a copy to stand in for it."""
    fallback = last_good or LastGood()
    loaded = load_venue(Path(venue_path))
    venue_errors = list(loaded.errors)
    venue = loaded.model if not venue_errors else None
    stand_in: dict[str, float] = {}
    if venue is None and fallback.venue is not None:
        venue, stand_in["venue"] = fallback.venue, fallback.saved
    if loaded.doc is None and venue is None:  # unreadable: nothing tells where the rest is
        raise InvalidFiles(venue_errors)
    if venue is not None and "venue" in stand_in:
        shows_dir, schedule_path = venue.shows, venue.schedule
        has_schedule = schedule_path.exists()
    else:
        shows_dir, schedule_path = _places(loaded)
        has_schedule = schedule_path.exists() or "schedule" in loaded.raw
    shows, show_paths, known_ids, show_errors = _load_shows(
        shows_dir, loaded.path if loaded.doc is None else loaded, venue or loaded.model)
    no_folder = not shows_dir.is_dir()  # a venue problem: no show at all would load
    schedule, schedule_errors = Schedule(), []
    if has_schedule:
        sched = load_schedule(schedule_path, known_ids)
        schedule_errors = sched.errors
        schedule = sched.model if sched.model is not None and not sched.errors else schedule
    if schedule_errors and fallback.schedule is not None:
        schedule, stand_in["schedule"] = fallback.schedule, fallback.saved
    if venue is None or no_folder or (schedule_errors and "schedule" not in stand_in):
        raise InvalidFiles(venue_errors + show_errors + schedule_errors)
    rejected = _by_file(show_errors)
    if "venue" in stand_in:
        rejected |= _by_file(venue_errors)
    if "schedule" in stand_in:
        rejected |= _by_file(schedule_errors)
    return Config(venue, shows, show_paths, schedule, schedule_path.absolute(), rejected,
                  stand_in)


def keep_previous_shows(new: Config, old: Config) -> Config:
    """`new`, with the previous version of each show whose file is now rejected (a draft
    saved over a good show): the last good version stays in force (SPEC 1)."""
    shows, paths, kept = dict(new.shows), dict(new.show_paths), set()
    for show_id, path in old.show_paths.items():
        if path in new.rejected and show_id not in shows:
            shows[show_id], paths[show_id] = old.shows[show_id], path
            kept.add(show_id)
    if not kept:
        return new
    return Config(new.venue, shows, paths, new.schedule, new.schedule_path, new.rejected,
                  new.last_good, frozenset(kept))


def _by_file(errors: Iterable[FileError]) -> dict[Path, tuple[FileError, ...]]:
    out: dict[Path, list[FileError]] = {}
    for error in sorted(set(errors)):
        out.setdefault(error.path, []).append(error)
    return {path: tuple(found) for path, found in out.items()}


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
    shows_dir: Path, loaded: Loaded[Venue] | Path, venue: Venue | None
) -> tuple[dict[str, Show], dict[str, Path], set[str], list[FileError]]:
    """Shows by id, their paths, every id written (even in invalid files), errors.
    `loaded` is the venue file, where a missing folder is reported."""
    errors: list[FileError] = []
    shows: dict[str, Show] = {}
    paths: dict[str, Path] = {}
    known: set[str] = set()
    if not shows_dir.is_dir():
        message = f"the shows folder {shows_dir} does not exist"
        if isinstance(loaded, Path) or loaded.doc is None:
            where = loaded if isinstance(loaded, Path) else loaded.path
            return shows, paths, known, [FileError(where, 1, 1, message)]
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
