"""OSC packets in and out, for input and output alike.

The decoder is strict: nothing a peer sends can raise anything but `PacketError`, whose
message says what is wrong in OSC terms. It reads every type of OSC 1.0 (required and
"nonstandard") and OSC 1.1. A type tag outside those, a size that runs past the end, text
that is not UTF-8 or bytes left over after the last argument make the whole packet
malformed: guessing at the rest of a packet we cannot read would run commands nobody sent.

The encoder is ours too (struct, no builder objects): device bundles are built ahead of
their deadline, and replies and events go out in bursts, so ~10x less time than
python-osc's builders matters; its types are python-osc's (str s, bytes b, bool T/F,
int i or h beyond 32 bits, float f, None N, list or tuple an array).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 8  # nested bundles deeper than this are refused (stack safety)
NTP_UNIX = 2_208_988_800  # seconds from 1900 (NTP's epoch) to 1970
NTP_SCALE = 1 << 32  # an NTP timestamp counts 1/2**32 s
IMMEDIATELY = struct.pack(">Q", 1)  # the timetag that means "now"


class PacketError(Exception):
    """A packet that is not valid OSC; `reason` is the counter suffix, `address` the
    message's address when it could be read (the error reply goes to its reply address)."""

    def __init__(self, message: str, reason: str = "malformed",
                 address: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.address = address


class _Bad(Exception):
    """What is wrong, without the "malformed packet: " that `decode` puts in front."""


@dataclass(frozen=True, slots=True)
class Message:
    address: str
    args: tuple[Any, ...]
    timetag: float | None = None  # wall seconds when it must run; None: now
    tags: str = ""  # one OSC type letter per argument ("[" for an array)


def decode(data: bytes) -> list[Message]:
    """Every message of a packet, bundles flattened with their timetag (NTP 1 = now)."""
    address = None
    try:
        if data.startswith(b"#bundle\0"):
            out: list[Message] = []
            _bundle(data, out, 0)
            return out
        if data.startswith(b"/"):
            address, args, tags = _message(data)
            return [Message(address, args, None, tags)]
    except _Bad as exc:
        raise PacketError(f"malformed packet: {exc}", address=_readable(data)) from None
    raise PacketError("malformed packet: neither an OSC message (starting with '/') nor a "
                      "bundle (starting with '#bundle')")


def _readable(data: bytes) -> str | None:
    """A plain message's address when it could be read, so the error goes to its reply."""
    if not data.startswith(b"/"):
        return None
    end = data.find(b"\0")
    try:
        return data[:end].decode() if end > 0 else None
    except UnicodeDecodeError:
        return None


def _bundle(data: bytes, out: list[Message], depth: int) -> None:
    """Element sizes must add up exactly: a truncated element is refused, not guessed at."""
    if depth >= MAX_DEPTH:
        raise _Bad(f"bundles nested deeper than {MAX_DEPTH}")
    if len(data) < 16:
        raise _Bad("truncated bundle: no timetag after '#bundle'")
    raw = int.from_bytes(data[8:16], "big")
    timetag = None if raw <= 1 else raw / NTP_SCALE - NTP_UNIX  # 1 (and 0): immediately
    at, n = 16, len(data)
    while at < n:
        if at + 4 > n:
            raise _Bad(f"truncated bundle: {n - at} stray byte(s) at byte {at}")
        size = int.from_bytes(data[at:at + 4], "big")
        if size == 0 or size % 4:
            raise _Bad(f"bundle element at byte {at} has a size of {size} bytes, "
                       "not a positive multiple of 4")
        if at + 4 + size > n:
            raise _Bad(f"truncated bundle: element at byte {at} of {size} bytes runs past "
                       f"the end of the packet ({n - at - 4} left)")
        element = data[at + 4:at + 4 + size]
        if element.startswith(b"#bundle\0"):
            _bundle(element, out, depth + 1)
        elif element.startswith(b"/"):
            try:
                address, args, tags = _message(element)
            except _Bad as exc:
                raise _Bad(f"bundle element at byte {at}: {exc}") from None
            out.append(Message(address, args, timetag, tags))
        else:
            raise _Bad(f"bundle element at byte {at} is neither a message nor a bundle")
        at += 4 + size


# type tag -> (name in messages, size in bytes, struct format); sizes of s/S/b vary
_FIXED = {
    "i": ("int", 4, ">i"), "f": ("float", 4, ">f"), "h": ("int64", 8, ">q"),
    "d": ("double", 8, ">d"), "t": ("timetag", 8, ">Q"), "c": ("char", 4, ">I"),
    "r": ("RGBA color", 4, ">I"), "m": ("MIDI", 4, None),
}
_EMPTY = {"T": True, "F": False, "N": None, "I": None}  # no bytes in the argument data
_TEXT = {"s": "string", "S": "symbol"}


def _string(data: bytes, at: int, what: str) -> tuple[str, int]:
    end = data.find(b"\0", at)
    if end < 0:
        raise _Bad(f"{what} has no terminating zero byte before the end of the packet")
    following = (end + 4) & ~3
    if following > len(data):
        raise _Bad(f"{what} runs past the end of the packet (its padding is missing)")
    try:
        return data[at:end].decode(), following
    except UnicodeDecodeError:
        raise _Bad(f"{what} is not valid UTF-8") from None


def _message(data: bytes) -> tuple[str, tuple[Any, ...], str]:
    """(address, arguments, one tag per argument) of one message's bytes."""
    n = len(data)
    address, at = _string(data, 0, "the address")
    if at == n:
        return address, (), ""  # OSC 1.0: old senders may omit the type tags
    if data[at] != 0x2C:  # ","
        raise _Bad(f"the type tags after the address {address} do not start with ','")
    tags, at = _string(data, at, "the type tag string")
    args: list[Any] = []
    top: list[str] = []
    stack: list[list[Any]] = []
    number = 0  # arguments counted as a person reads them, arrays' members included
    current = args
    for tag in tags[1:]:
        if tag == "[":
            array: list[Any] = []
            current.append(array)
            if not stack:
                top.append("[")
            stack.append(current)
            current = array
            continue
        if tag == "]":
            if not stack:
                raise _Bad("type tag ']' closes an array that was never opened")
            closed, current = current, stack.pop()
            current[-1] = tuple(closed)
            continue
        number += 1
        if not stack:
            top.append(tag)
        if tag in _EMPTY:
            current.append(_EMPTY[tag])
        elif tag in _TEXT:
            text, at = _string(data, at, f"{_TEXT[tag]} argument {number}")
            current.append(text)
        elif tag == "b":
            if at + 4 > n:
                raise _Bad(f"blob argument {number} runs past the end of the packet "
                           "(no size)")
            size = int.from_bytes(data[at:at + 4], "big")
            if at + 4 + size > n:
                raise _Bad(f"blob of {size} bytes runs past the end of the packet")
            current.append(data[at + 4:at + 4 + size])
            at = (at + 4 + size + 3) & ~3
            if at > n:
                raise _Bad(f"blob argument {number} runs past the end of the packet "
                           "(its padding is missing)")
        elif tag in _FIXED:
            name, size, fmt = _FIXED[tag]
            if at + size > n:
                raise _Bad(f"{name} argument {number} runs past the end of the packet")
            value: Any = data[at:at + size] if fmt is None else struct.unpack_from(fmt, data, at)[0]
            if tag == "c":
                if value > 0x10FFFF:
                    raise _Bad(f"char argument {number} ({value}) is not a character")
                value = chr(value)
            current.append(value)
            at += size
        else:
            shown = tag if tag.isprintable() else f"\\x{ord(tag):02x}"
            raise _Bad(f"type tag '{shown}' is not an OSC 1.0/1.1 type")
    if stack:
        raise _Bad("type tag '[' opens an array that is never closed")
    if at != n:
        raise _Bad(f"{n - at} byte(s) after the last argument (the type tags say "
                   f"{tags!r})")
    return address, tuple(args), "".join(top)


Arg = str | int | float | bool | bytes | None | Sequence[Any]
"""An argument as the encoder takes it (a sequence that is not str/bytes: an array)."""

_INT32 = range(-(1 << 31), 1 << 31)


def _padded(raw: bytes) -> bytes:
    """Zero bytes to the next multiple of 4, at least one (an OSC string's terminator)."""
    return raw + b"\0" * (4 - len(raw) % 4)


def _args(args: Iterable[Arg], tags: list[str], data: list[bytes]) -> None:
    for arg in args:
        if isinstance(arg, str):
            tags.append("s")
            data.append(_padded(arg.encode()))
        elif isinstance(arg, bytes | bytearray):
            tags.append("b")
            data.append(struct.pack(">i", len(arg)) + bytes(arg) + b"\0" * (-len(arg) % 4))
        elif arg is True or arg is False:
            tags.append("T" if arg else "F")
        elif isinstance(arg, int):
            tags.append("i" if arg in _INT32 else "h")
            data.append(struct.pack(">i" if arg in _INT32 else ">q", arg))
        elif isinstance(arg, float):
            tags.append("f")
            data.append(struct.pack(">f", arg))
        elif arg is None:
            tags.append("N")
        elif isinstance(arg, list | tuple):
            tags.append("[")
            _args(arg, tags, data)
            tags.append("]")
        else:
            raise TypeError(f"OSC cannot carry {type(arg).__name__} {arg!r}")


def encode_message(address: str, *args: Arg) -> bytes:
    """One message; `TypeError` for an argument OSC cannot carry."""
    tags = [","]
    data: list[bytes] = []
    _args(args, tags, data)
    return _padded(address.encode()) + _padded("".join(tags).encode()) + b"".join(data)


@dataclass(frozen=True, slots=True, order=True)
class Timetag:
    """A wall instant exactly as a bundle carries it: `ntp` counts 2**-32 s (0.23 ns)
    from 1900. A float of Unix seconds near today steps by 0.24 us, so instants worked
    out as floats land up to that far from their plan; `plus` adds a (small) duration
    to this integer, exact to the timetag's own resolution."""

    ntp: int

    @classmethod
    def of(cls, wall: float) -> Timetag:
        """The float's exact value (`wall * 2**32` only moves its exponent)."""
        return cls((NTP_UNIX << 32) + round(wall * NTP_SCALE))

    @classmethod
    def of_ns(cls, wall_ns: int) -> Timetag:
        """From integer nanoseconds since 1970 (`time.time_ns()`)."""
        return cls(((wall_ns + NTP_UNIX * 10**9) * NTP_SCALE + 5 * 10**8) // 10**9)

    def plus(self, seconds: float) -> Timetag:
        return Timetag(self.ntp + round(seconds * NTP_SCALE))

    @property
    def wall(self) -> float:
        """Unix seconds (a float: for events and logs, not for the wire)."""
        return self.ntp / NTP_SCALE - NTP_UNIX


def timetag(wall: float | Timetag | None) -> bytes:
    """The 8 bytes of an NTP timetag for a wall instant (Unix seconds or exact); None:
    now."""
    if wall is None:
        return IMMEDIATELY
    return struct.pack(">Q", (wall if isinstance(wall, Timetag) else Timetag.of(wall)).ntp)


def encode_bundle(wall: float | Timetag | None, messages: Iterable[bytes]) -> bytes:
    """A bundle of encoded messages (or bundles) taking effect at wall instant `wall`
    (Unix seconds or an exact `Timetag`; None: immediately)."""
    body = b"".join(struct.pack(">i", len(m)) + m for m in messages)
    return b"#bundle\0" + timetag(wall) + body


def format_message(address: str, args: Sequence[Arg]) -> str:
    """`/showctl/player/play "a.mp4" 0.0`: how cue sheets and the simulator print OSC."""
    shown = [
        f"<blob {len(a)} bytes>" if isinstance(a, bytes) else repr(a) if isinstance(a, str)
        else str(a)
        for a in args
    ]
    return " ".join([address, *shown])
