"""Media names (as show files and the controller say them) to files under `--media`, and
which of the venue's media a device still lacks.

A name arrives over the network, so it is never trusted as a path: it must be relative
and without `..` (nor a NUL), so it names something under the media directory. Symlinks
inside that directory are the venue's own choice (media on another disk) and followed.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

from showctl.model import Device, Show, Venue


class BadMedia(ValueError):
    """A media name that cannot name a file under the media directory."""


def media_path(root: Path, name: str) -> Path:
    """The file for `name` under `root`; BadMedia when the name would leave it."""
    pure = PurePosixPath(name)
    if not name or "\0" in name or pure.is_absolute() or ".." in pure.parts:
        raise BadMedia(f"media name {name!r} must be a relative path under the media "
                       "directory, without '..'")
    return root / pure


def needed_media(device: Device, venue: Venue, shows: dict[str, Show]) -> list[str]:
    """Every media name the venue's shows send to this device, in first-use order."""
    names: dict[str, None] = {}
    for show in shows.values():
        for cue in show.cues:
            for name in _cue_media(cue, device, venue):
                names[name] = None
    return list(names)


def _cue_media(cue: Any, device: Device, venue: Venue) -> list[str]:
    found: list[str] = []
    if device.kind == "screen" and cue.play is not None:
        try:
            chosen = venue.resolve_screens(cue.screens)
        except KeyError:
            chosen = ()
        if device.id in chosen:
            found.append(cue.play.media.replace("{screen}", str(device.index)))
    sound = getattr(cue, "sound", None)  # the sound action (SPEC 1.3) once the model has it
    if device.kind == "audio" and sound is not None:
        target = getattr(sound, "device", None)
        targets = (target,) if isinstance(target, str) else tuple(target or ())
        if not targets or device.id in targets:
            found.append(str(sound.media))
    return found


def missing_media(root: Path, names: list[str]) -> list[str]:
    """The names with no regular file under `root` (or that cannot name one)."""
    missing = []
    for name in names:
        try:
            present = media_path(root, name).is_file()
        except (BadMedia, OSError):
            present = False
        if not present:
            missing.append(name)
    return missing
