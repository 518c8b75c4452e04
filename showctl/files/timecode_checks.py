"""Checks of the venue's `timecode:` and a show's `timecode.start` that need the room:
an LTC output on an audio device the venue has, MTC only where the system has MIDI, a
start label that exists at every output's rate (SPEC 7.4)."""

from __future__ import annotations

from pathlib import Path

from showctl import smpte
from showctl.files.errors import FileError
from showctl.files.yamlsrc import Document
from showctl.model import Show, Venue
from showctl.outputs import ltc

MIDI_DEVICE = Path("/dev/snd/seq")
"""ALSA's sequencer: where python-rtmidi finds MIDI ports on Linux."""


def midi_problem(device: Path = MIDI_DEVICE) -> str | None:
    """Why this system cannot send MIDI (no ALSA sequencer), else None."""
    if not device.exists():
        return (f"this system has no MIDI ({device} is missing: no ALSA sequencer); "
                "MTC needs a MIDI port -- remove the output or use artnet or ltc")
    return None


def ltc_problem() -> str | None:
    """Why this system cannot decode LTC (no libltc), else None."""
    try:
        ltc.library()
    except ltc.LtcUnavailable as exc:
        return str(exc)
    return None


def check_timecode(venue: Venue, doc: Document) -> list[FileError]:
    errors: list[FileError] = []
    audio = {d.id for d in venue.audio}
    for i, output in enumerate(venue.timecode.outputs):
        loc = ("timecode", "outputs", i)
        if output.kind == "ltc" and output.device not in audio:
            known = ", ".join(sorted(audio)) or "none"
            errors.append(doc.error((*loc, "device"), f"ltc output: {output.device!r} is not "
                                    f"an audio device of the venue (audio devices: {known})"))
        if output.kind == "mtc" and (problem := midi_problem()):
            errors.append(doc.error((*loc, "kind"), problem))
    found = venue.timecode.input
    if found is not None and found.kind == "mtc" and (problem := midi_problem()):
        errors.append(doc.error(("timecode", "input", "kind"), problem))
    elif found is not None and found.kind == "mtc":
        errors.append(doc.error(("timecode", "input", "kind"), "chasing mtc timecode is not "
                                "supported yet: use kind: artnet or ltc"))
    elif found is not None and found.kind == "ltc" and (problem := ltc_problem()):
        errors.append(doc.error(("timecode", "input", "kind"), problem))
    return errors


def check_show_timecode(show: Show, doc: Document, venue: Venue | None) -> list[FileError]:
    if venue is None or "timecode" not in (doc.data or {}):
        return []
    rates = {o.rate.name: o.rate for o in venue.timecode.outputs}
    for rate in rates.values():
        if problem := smpte.check_label(show.timecode.label, rate):
            return [doc.error(("timecode", "start"), f"start {show.timecode.start}: {problem}")]
    return []
