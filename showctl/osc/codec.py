"""OSC packets in and out: a strict decoder of our own (nothing a peer sends can raise
anything but `PacketError`, whose message says what is wrong in OSC terms), and a fast
encoder for one-string replies.

The decoder reads every type of OSC 1.0 (required and "nonstandard") and OSC 1.1. A type
tag outside those, a size that runs past the end, text that is not UTF-8 or bytes left
over after the last argument make the whole packet malformed: guessing at the rest of a
packet we cannot read would run commands nobody sent.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Any

from showctl.outputs import encode as outputs_encode

MAX_DEPTH = 8  # nested bundles deeper than this are refused (stack safety)
NTP_UNIX = 2_208_988_800  # seconds from 1900 (NTP's epoch) to 1970


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
    timetag = None if raw <= 1 else raw / 4_294_967_296 - NTP_UNIX  # 1 (and 0): immediately
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
            value, at = _string(data, at, f"{_TEXT[tag]} argument {number}")
            current.append(value)
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
            value = data[at:at + size] if fmt is None else struct.unpack_from(fmt, data, at)[0]
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


def _padded(raw: bytes) -> bytes:
    return raw + b"\0" * (4 - len(raw) % 4)


def encode_string_message(address: str, text: str) -> bytes:
    """`address ,s text`: every reply and event has this shape; ~10x faster than a builder."""
    return _padded(address.encode()) + b",s\0\0" + _padded(text.encode())


def encode_message(address: str, *args: Any) -> bytes:
    """Any message (clients and tests): the same encoder the outputs use."""
    return outputs_encode.encode_message(address, args)


def encode_bundle(timetag: float, messages: list[bytes]) -> bytes:
    """A bundle of already-encoded messages, due at wall time `timetag` (0: now)."""
    if timetag:
        seconds = timetag + 2_208_988_800  # NTP epoch is 1900
        tag = struct.pack(">II", int(seconds), int((seconds % 1) * (1 << 32)))
    else:
        tag = struct.pack(">Q", 1)
    body = b"".join(struct.pack(">i", len(m)) + m for m in messages)
    return b"#bundle\0" + tag + body
