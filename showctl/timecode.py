"""Times as operators write them (SPEC 1.1), parsed to seconds at millisecond resolution.

Kept free of YAML and pydantic so the CLI (`--from 1:20`) and the OSC input
(`/showctl/seek`) parse exactly as show files do.
"""

from __future__ import annotations

import re
from datetime import time as clock_time
from decimal import ROUND_HALF_UP, Decimal

_CLOCK = re.compile(r"^(?:(\d+):)?(\d+):(\d{2})(?:\.(\d{1,3}))?$")
_NUMBER = re.compile(r"^\d+(?:\.\d+)?$")
_HHMM = re.compile(r"^(\d{2}):(\d{2})$")
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


class TimeFormatError(ValueError):
    """A time that an operator wrote wrongly; the message says how to write it."""


MAX_TIME = 24 * 3600.0
"""No show time, fade or delay is longer than a day: a bigger number is a typo."""

_HOW = "write seconds (83.5), M:SS(.fff) or H:MM:SS(.fff)"
_LOOSE_CLOCK = re.compile(r"^(-?)(?:(\d+):)?(\d+):(\d+)(?:\.(\d*))?$")


def parse_time(value: object) -> float:
    """Seconds from `83.5`, `"1:23.5"` or `"0:19:00"`; rounded to the millisecond."""
    if value is None:
        raise TimeFormatError(f"a time is needed: {_HOW}")
    if isinstance(value, bool):
        raise TimeFormatError(f"{str(value).lower()} is not a time: {_HOW}")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip()
        seconds = float(text) if _NUMBER.match(text) else _parse_clock_string(text)
    else:
        raise TimeFormatError(f"{value!r} is not a time: {_HOW}")
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        raise TimeFormatError(f"{value!r} is not a finite time")
    if seconds < 0:
        raise TimeFormatError(f"time {value!r} is negative")
    if seconds > MAX_TIME:
        raise TimeFormatError(f"time {value!r} is more than 24 hours")
    return round(seconds, 3)


def _parse_clock_string(text: str) -> float:
    match = _CLOCK.match(text)
    if not match:
        raise TimeFormatError(_why_not_a_time(text))
    hours, minutes, seconds, millis = match.groups()
    if int(seconds) >= 60:
        raise TimeFormatError(f"{text!r}: seconds must be below 60")
    if hours is not None and int(minutes) >= 60:
        raise TimeFormatError(f"{text!r}: minutes must be below 60 in H:MM:SS")
    fraction = int(millis.ljust(3, "0")) / 1000 if millis else 0.0
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + fraction


def _why_not_a_time(text: str) -> str:
    """What is wrong with a written time, as precisely as can be said."""
    loose = _LOOSE_CLOCK.match(text)
    if not loose:
        return f"{text!r} is not a time: {_HOW}"
    sign, hours, minutes, seconds, decimals = loose.groups()
    if sign:
        return f"time {text!r} is negative"
    if decimals is not None and len(decimals) > 3:
        return (f"{text!r} has more than 3 decimals: times are to the millisecond "
                f"({_rounded(hours, minutes, seconds, decimals)})")
    if decimals == "":
        return f"{text!r} is not a time: digits must follow the '.'"
    if len(seconds) != 2:
        return f"{text!r} is not a time: seconds need two digits ({int(seconds):02d})"
    return f"{text!r} is not a time: {_HOW}"


def _rounded(hours: str | None, minutes: str, seconds: str, decimals: str) -> str:
    """The hint for too many decimals: the millisecond they round to (`.457` for
    `.4567`), or the whole time when rounding carries (`1:24.000` for `1:23.9999`)."""
    millis = int(Decimal(f"0.{decimals}").quantize(Decimal("0.001"), ROUND_HALF_UP) * 1000)
    if millis < 1000:
        return f".{millis:03d}"
    whole = int(hours or 0) * 3600 + int(minutes) * 60 + int(seconds) + 1
    return format_time(whole)


def format_time(seconds: float) -> str:
    """`M:SS.fff` below an hour, `H:MM:SS.fff` above: the form cue sheets print."""
    millis = round(seconds * 1000)
    sign = "-" if millis < 0 else ""
    millis = abs(millis)
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}.{ms:03d}"
    return f"{sign}{minutes}:{secs:02d}.{ms:03d}"


def parse_clock(value: object) -> clock_time:
    """A time of day `HH:MM` (schedule files)."""
    if not isinstance(value, str) or not (match := _HHMM.match(value.strip())):
        raise TimeFormatError(f"{value!r} is not a time of day: write HH:MM, e.g. \"10:30\"")
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        raise TimeFormatError(f"{value!r} is not a time of day (00:00 to 23:59)")
    return clock_time(hour, minute)


def parse_duration(value: object) -> float:
    """An interval as `30m`, `1h`, `1h30m`, `90s`, or plain seconds."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.match(value.strip())) and any(
        match.groups()
    ):
        h, m, s = (int(g or 0) for g in match.groups())
        seconds = h * 3600 + m * 60 + s
    else:
        raise TimeFormatError(f"{value!r} is not an interval: write e.g. 30m, 1h, 1h30m, 90s")
    if seconds <= 0:
        raise TimeFormatError(f"interval {value!r} must be positive")
    return seconds
