"""OSC bytes for device commands, built ahead of their deadline (a 9-message bundle
costs ~200 us with python-osc, too much to spend at the instant itself)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

Message = tuple[str, tuple[Any, ...]]
"""An OSC address and its arguments (str, int, float, bool or bytes for a blob)."""


def message(address: str, args: Sequence[Any] = ()) -> Any:
    builder = OscMessageBuilder(address=address)
    for arg in args:
        builder.add_arg(arg, OscMessageBuilder.ARG_TYPE_BLOB if isinstance(arg, bytes) else None)
    return builder.build()


def encode_message(address: str, args: Sequence[Any] = ()) -> bytes:
    return message(address, args).dgram


def encode_bundle(messages: Sequence[Message], wall: float | None) -> bytes:
    """One bundle whose timetag is the wall instant its messages take effect
    (`None`: immediately)."""
    builder = OscBundleBuilder(IMMEDIATELY if wall is None else wall)
    for address, args in messages:
        builder.add_content(message(address, args))
    return builder.build().dgram


def format_message(msg: Message) -> str:
    """`/showctl/player/play "a.mp4" 0.0`: how cue sheets and the simulator print OSC."""
    address, args = msg
    shown = [
        f"<blob {len(a)} bytes>" if isinstance(a, bytes) else repr(a) if isinstance(a, str)
        else str(a)
        for a in args
    ]
    return " ".join([address, *shown])
