"""Field types shared by the models: times, clock times, intervals, host:port."""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date, datetime
from datetime import time as clock_time
from ipaddress import IPv4Network, IPv6Network, ip_network
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    WithJsonSchema,
)

from showctl.timecode import format_time, parse_clock, parse_duration, parse_time


class Frozen(BaseModel):
    """Base of every model: immutable, unknown keys refused, numbers accepted as ids."""

    model_config = ConfigDict(
        frozen=True, extra="forbid", coerce_numbers_to_str=True, populate_by_name=True
    )


_INVISIBLE = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})


def _visible(text: str) -> str:
    """Refuses characters nobody sees (U+FEFF, zero-width spaces, controls, odd spaces):
    an id or media name holding one looks right and never matches."""
    for n, char in enumerate(text):
        if unicodedata.category(char) in _INVISIBLE or (char.isspace() and char != " "):
            name = unicodedata.name(char, "unnamed")
            raise ValueError(f"invisible character U+{ord(char):04X} ({name}) at character "
                             f"{n + 1}: retype the text without it")
    return text


Visible = Annotated[str, AfterValidator(_visible)]
"""Text an operator types and a machine matches: ids, media names."""

_TIME_SCHEMA = {
    "anyOf": [
        {"type": "number", "minimum": 0},
        {"type": "string", "pattern": r"^\s*(\d+(\.\d+)?|(\d+:)?\d+:\d{2}(\.\d{1,3})?)\s*$"},
    ],
    "examples": [83.5, "1:23.5", "0:19:00"],
}

Seconds = Annotated[
    float,
    BeforeValidator(parse_time),
    PlainSerializer(format_time, return_type=str, when_used="json"),
    WithJsonSchema(_TIME_SCHEMA, mode="validation"),
]
"""A show time or fade (SPEC 1.1): `83.5`, `"1:23.5"`, `"0:19:00"`."""

ClockTime = Annotated[
    clock_time,
    BeforeValidator(parse_clock),
    WithJsonSchema({"type": "string", "pattern": r"^\d{2}:\d{2}$"}, mode="validation"),
    PlainSerializer(lambda t: t.strftime("%H:%M"), return_type=str, when_used="json"),
]
"""A time of day `HH:MM` in the venue's timezone."""

Interval = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema(
        {"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^(\d+h)?(\d+m)?(\d+s)?$"}]},
        mode="validation",
    ),
]
"""`30m`, `1h`, `90s`."""


_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def parse_day(value: object) -> date:
    """A date `YYYY-MM-DD`; an impossible one says why (`2026-02-30`)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    match = _DAY.match(value.strip()) if isinstance(value, str) else None
    if not match:
        shown = "nothing" if value is None else repr(value)
        raise ValueError(f"{shown} is not a date: write YYYY-MM-DD, e.g. 2026-12-25")
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        raise ValueError(f"{value} is not a day of the calendar (months are 01 to 12)")
    days = calendar.monthrange(year, month)[1] if year else 31
    if not 1 <= day <= days or not year:
        raise ValueError(f"{value} is not a day of the calendar ({calendar.month_name[month]} "
                         f"has {days} days in {year})" if year else
                         f"{value} is not a day of the calendar (there is no year 0)")
    return date(year, month, day)


Day = Annotated[
    date,
    BeforeValidator(parse_day),
    WithJsonSchema({"type": "string", "format": "date"}, mode="validation"),
]
"""A date of the calendar, `YYYY-MM-DD`."""


def _network(value: object) -> object:
    if isinstance(value, IPv4Network | IPv6Network):
        return value
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            return ip_network(text)
        except ValueError:
            try:
                loose = ip_network(text, strict=False)
            except ValueError:
                pass
            else:
                raise ValueError(f"{text!r} has bits set after the /{loose.prefixlen}: "
                                 f"write {loose}") from None
    shown = "nothing" if value is None else repr(value)
    raise ValueError(f"{shown} is not a network: write e.g. 127.0.0.0/8, 192.168.10.0/24 "
                     "or ::1/128")


Network = Annotated[IPv4Network | IPv6Network, BeforeValidator(_network)]
"""An IP network (v4 or v6) allowed to send commands."""


def _host_port(value: object) -> tuple[str, int]:
    if isinstance(value, tuple | list) and len(value) == 2:
        host, port = value
    elif isinstance(value, str) and value.rpartition(":")[0]:
        host, _, port = value.rpartition(":")
        host = host.strip("[]")
    else:
        raise ValueError(f"{value!r} is not host:port, e.g. 127.0.0.1:8080")
    try:
        port = int(port)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r}: port must be a number") from None
    if not 0 < port < 65536:
        raise ValueError(f"{value!r}: port must be 1 to 65535")
    return str(host), port


HostPort = Annotated[
    tuple[str, int],
    BeforeValidator(_host_port),
    PlainSerializer(lambda hp: f"{hp[0]}:{hp[1]}", return_type=str, when_used="json"),
]

Flag = Annotated[bool, Field(strict=True)]
"""`true` or `false` only: not `yes`, `on`, `1` or "true" (YAML 1.2, as the schema says)."""

Whole = Annotated[int, Field(strict=True)]
"""A whole number, never a boolean (`true` is not screen 1) nor text."""

SILENT_DB = -80.0
"""The level at which sound is off: a cue, the master or their sum at or below it is silence."""
MAX_DB = 12.0
"""The loudest level anything may ask for: +12 dB over the mix, QLab's default volume limit.
More is a typo that could clip the amplifiers or hurt ears."""

Decibels = Annotated[float, Field(ge=int(SILENT_DB), le=int(MAX_DB)),
                     BeforeValidator(lambda v: _no_bool(v, "a level in dB"))]
"""A sound level in dB relative to the mix as recorded: 0 as mixed, -80 silent, up to +12."""


def _no_bool(value: object, what: str) -> object:
    if isinstance(value, bool):
        raise ValueError(f"{str(value).lower()} is not {what}: write a number")
    return value


DmxChannel = Annotated[Whole, Field(ge=1, le=512)]
"""A DMX channel number within a universe."""

DmxLevel = Annotated[Whole, Field(ge=0, le=255)]
"""A DMX level."""
