"""`showctl validate [FILE ...]`: every error of every file, as `path:line:col: message`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from showctl.files.errors import FileError, InvalidFiles
from showctl.files.kinds import identify, load_schedule, load_show, load_venue
from showctl.files.loader import config_files, load_config, show_ids
from showctl.outputs.profiles import profile_for

UNKNOWN_KIND = ("cannot tell what this file is: a show has cues:, a venue devices:, "
                "a schedule shows:, closed: or special:")


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    parser = subparsers.add_parser(
        "validate",
        parents=[common],
        help="check the venue, schedule and show files",
        description="Check files before use. Without FILE: the venue (--config), its schedule "
        "and every show. A FILE is recognised by its keys (cues, title, preroll: a show; "
        "devices, venue: a venue; shows, closed, special, policy: a schedule; a misspelt key "
        "counts for the kind it resembles) and checked against the venue.",
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="files to check")
    parser.add_argument("--json", action="store_true", help="print the errors as a JSON list")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = Path(args.config)
    if args.files:
        checked, errors = check_files(config, [Path(f) for f in args.files])
    else:
        checked, errors = check_all(config)
    notes = [] if errors else device_notes(config)
    if args.json:
        print(json.dumps([e.as_dict() for e in errors], indent=2))
    else:
        for error in errors:
            print(error)
        for note in notes:
            print(note)
        print(_summary(checked, errors))
    return 1 if errors else 0


def device_notes(config: Path) -> list[str]:
    """What the venue should know of its devices as configured, not errors: a device
    whose liveness will be `unknown` (SPEC 7.1: it cannot say it is there, so it is
    shown but never counted missing) and a profile's own note (QLC+ over OSC toggles),
    as `path:line:col: note: ...`."""
    loaded = load_venue(config)
    if loaded.model is None or loaded.doc is None:
        return []
    notes = []
    for i, device in enumerate(loaded.model.devices):
        profile = profile_for(device)
        line, column = loaded.doc.where(("devices", i))
        where = f"{loaded.path}:{line}:{column}: note: {device.id} ({profile.name})"
        if (why := profile.liveness_note()) is not None:
            notes.append(f"{where}: liveness unknown: {why}")
        if (said := profile.note()) is not None:
            notes.append(f"{where}: {said}")
    return notes


def check_all(config: Path) -> tuple[list[Path], list[FileError]]:
    """The files checked and the errors found when loading the whole venue."""
    try:
        loaded = load_config(config)
    except InvalidFiles as exc:
        return config_files(config), exc.errors
    errors = [e for found in loaded.rejected.values() for e in found]  # bad shows: the
    # controller would run without them, but the checker reports each one
    return [loaded.venue.source or config, loaded.schedule_path, *loaded.show_paths.values(),
            *loaded.rejected], sorted(errors, key=lambda e: (str(e.path), e.line, e.column))


def check_files(config: Path, files: list[Path]) -> tuple[list[Path], list[FileError]]:
    """Each file on its own, cross-checked against the venue of `config`."""
    venue = load_venue(config)
    errors: list[FileError] = []
    kinds = {path: identify(path) for path in files}
    if any(kind != "venue" for kind in kinds.values()):
        errors += venue.errors  # a broken venue makes every check against it meaningless
    ids = show_ids(venue.model.shows) if venue.model else set()
    for path, kind in kinds.items():
        if kind == "show":
            loaded = load_show(path, venue.model)
            if loaded.model:
                ids.add(loaded.model.id)
            errors += loaded.errors
        elif kind == "venue":
            errors += load_venue(path).errors
        elif kind is None:
            errors.append(FileError(path, 1, 1, UNKNOWN_KIND))
    for path, kind in kinds.items():
        if kind == "schedule":
            errors += load_schedule(path, ids).errors
    return files, sorted(set(errors), key=lambda e: (str(e.path), e.line, e.column, e.message))


def _summary(checked: list[Path], errors: list[FileError]) -> str:
    if not errors:
        return f"ok: {len(checked)} file{'s' if len(checked) != 1 else ''} valid"
    bad = len({e.path for e in errors})
    total = max(len(set(checked)), bad)
    return (
        f"{len(errors)} error{'s' if len(errors) != 1 else ''} in {bad} of "
        f"{total} file{'s' if total != 1 else ''}"
    )
