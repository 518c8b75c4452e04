"""SMPTE timecode arithmetic (SMPTE 12M): frame rates, labels `HH:MM:SS:FF`, drop-frame.

Kept below the model and the outputs: the show file's `timecode: {start: ...}` is
validated with it, the outputs encode with it, the chase decodes with it. A label is
what a console shows; a frame count is how many frames have passed since 00:00:00:00;
29.97 drop-frame skips the labels ;00 and ;01 of every minute but each tenth, so that
its labels keep up with the wall clock (SMPTE 12M-1, drop-frame).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

DAY_HOURS = 24


@dataclass(frozen=True, slots=True)
class Rate:
    """One SMPTE frame rate: `nominal` labels a second, `fps` real frames a second."""

    name: str
    nominal: int
    fps: float
    drop: bool

    @property
    def frame(self) -> float:
        """One frame's length in seconds."""
        return 1.0 / self.fps

    @property
    def per_day(self) -> int:
        return to_frames((DAY_HOURS, 0, 0, 0), self)


RATES: dict[float, Rate] = {
    24: Rate("24", 24, 24.0, False),
    25: Rate("25", 25, 25.0, False),
    29.97: Rate("29.97df", 30, 30000 / 1001, True),
    30: Rate("30", 30, 30.0, False),
}
"""The rates a venue may name (`fps:`): film, EBU, NTSC drop-frame, SMPTE 30."""

Label = tuple[int, int, int, int]
"""Hours, minutes, seconds, frames."""

_LABEL = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})[:;.](\d{2})$")
_TEN_MINUTES_DF = 17982  # 29.97 drop-frame: frames in ten minutes (10*60*30 - 9*2)
_MINUTE_DF = 1798  # a dropping minute (60*30 - 2)


def rate(fps: float) -> Rate:
    """The rate for a venue's `fps` (24, 25, 29.97, 30); ValueError for anything else."""
    for value, found in RATES.items():
        if abs(fps - value) < 1e-6:
            return found
    raise ValueError(f"{fps:g} is not a timecode frame rate (24, 25, 29.97 drop-frame, 30)")


def parse_label(text: str) -> Label:
    """`"10:00:00:00"` (or `;` before the frames, as drop-frame is written) as a label;
    ValueError saying how to write it. Frames are checked against a rate by `to_frames`."""
    found = _LABEL.match(text.strip())
    if found is None:
        raise ValueError(f"{text!r} is not a timecode: write HH:MM:SS:FF, e.g. 10:00:00:00")
    h, m, s, f = (int(found[i]) for i in range(1, 5))
    if h >= DAY_HOURS or m >= 60 or s >= 60 or f >= 30:
        raise ValueError(f"{text!r} is not a timecode: hours < 24, minutes and seconds < 60, "
                         "frames < 30")
    return h, m, s, f


def check_label(label: Label, rate: Rate) -> str | None:
    """Why `label` does not exist at `rate` (a frame number too high, a dropped label),
    else None."""
    _, m, s, f = label
    if f >= rate.nominal:
        return f"frame {f} does not exist at {rate.name} fps (frames 0-{rate.nominal - 1})"
    if rate.drop and s == 0 and f < 2 and m % 10:
        return f"{format_label(label, rate)} is dropped at 29.97 drop-frame (minute {m})"
    return None


def to_frames(label: Label, rate: Rate) -> int:
    """Frames since 00:00:00:00 at `label` (a dropped label counts as the next one)."""
    h, m, s, f = label
    count = ((h * 60 + m) * 60 + s) * rate.nominal + f
    if rate.drop:
        minutes = h * 60 + m
        count -= 2 * (minutes - minutes // 10)
    return count


def to_label(count: int, rate: Rate) -> Label:
    """The label `count` frames after 00:00:00:00 (wrapping at 24 hours)."""
    count %= rate.per_day
    if rate.drop:
        tens, rest = divmod(count, _TEN_MINUTES_DF)
        count += 18 * tens + (2 * ((rest - 2) // _MINUTE_DF) if rest >= 2 else 0)
    f = count % rate.nominal
    seconds = count // rate.nominal
    return seconds // 3600 % DAY_HOURS, seconds // 60 % 60, seconds % 60, f


def format_label(label: Label, rate: Rate | None = None) -> str:
    """`HH:MM:SS:FF`, with `;` before the frames for drop-frame as SMPTE writes it."""
    h, m, s, f = label
    sep = ";" if rate is not None and rate.drop else ":"
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{f:02d}"


def frame_at(seconds: float, rate: Rate) -> int:
    """How many whole frames have passed `seconds` after a timecode's start (the frame
    on screen then): frame k spans [k/fps, (k+1)/fps)."""
    return math.floor(seconds * rate.fps + 1e-9)


def seconds_of(frames: int, rate: Rate) -> float:
    """When frame `frames` (counted from the start) begins, in seconds after the start."""
    return frames / rate.fps
