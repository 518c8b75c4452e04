"""An ArtTimeCode receiver for the tests, read from the Art-Net 4 specification's
layout (art-net.org.uk, ArtTimeCode: ID, OpCode 0x9700 LE, ProtVer, Filler1, StreamId,
Frames, Seconds, Minutes, Hours, Type) -- written apart from showctl's own codec."""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass
from typing import Any


@dataclass
class Code:
    at: float
    label: str
    kind: int
    stream: int


def read(data: bytes) -> tuple[str, int, int]:
    assert data[:8] == b"Art-Net\x00", data
    assert struct.unpack("<H", data[8:10])[0] == 0x9700
    assert data[10:12] == b"\x00\x0e" and len(data) == 19
    stream, frames, seconds, minutes, hours, kind = data[13:19]
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}:{frames:02d}", kind, stream


class CodeReceiver(asyncio.DatagramProtocol):
    def __init__(self, clock: Any) -> None:
        self.clock = clock
        self.got: list[Code] = []

    def datagram_received(self, data: bytes, addr: Any) -> None:
        label, kind, stream = read(data)
        self.got.append(Code(self.clock.monotonic(), label, kind, stream))

    def labels(self) -> list[str]:
        return [c.label for c in self.got]
