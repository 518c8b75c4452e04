"""E1.31 and ArtDmx readers for the tests, from the standards' layouts (ANSI E1.31-2016
section 4: root layer 0-37, framing layer 38-114, DMP layer 115-; Art-Net 4 ArtDmx),
written apart from showctl's encoders."""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass
from typing import Any


@dataclass
class Frame:
    at: float
    universe: int
    sequence: int
    data: bytes
    priority: int | None = None
    source: str | None = None


def read_e131(data: bytes) -> Frame:
    assert data[4:16] == b"ASC-E1.17\x00\x00\x00", "ACN packet identifier"
    assert struct.unpack(">I", data[18:22])[0] == 4, "root vector: E1.31 data"
    assert struct.unpack(">I", data[40:44])[0] == 2, "framing vector: DMX data"
    source = data[44:108].rstrip(b"\x00").decode()
    priority, sequence, universe = data[108], data[111], struct.unpack(">H", data[113:115])[0]
    assert data[117] == 0x02 and data[118] == 0xA1, "DMP set property, address type"
    count = struct.unpack(">H", data[123:125])[0]
    assert data[125] == 0, "START code 0"
    return Frame(0.0, universe, sequence, data[126:125 + count], priority, source)


def read_artdmx(data: bytes) -> Frame:
    assert data[:8] == b"Art-Net\x00" and struct.unpack("<H", data[8:10])[0] == 0x5000
    sequence, universe = data[12], data[14] | data[15] << 8
    length = struct.unpack(">H", data[16:18])[0]
    return Frame(0.0, universe, sequence, data[18:18 + length])


class DmxReceiver(asyncio.DatagramProtocol):
    def __init__(self, clock: Any, reader: Any) -> None:
        self.clock, self.reader = clock, reader
        self.got: list[Frame] = []

    def datagram_received(self, data: bytes, addr: Any) -> None:
        frame = self.reader(data)
        frame.at = self.clock.monotonic()
        self.got.append(frame)


def artdmx_probe(universe: int) -> bytes:
    """A zero ArtDmx for `universe`, from the Art-Net 4 layout (the test's readiness probe)."""
    return (b"Art-Net\x00" + struct.pack("<H", 0x5000) + b"\x00\x0e"
            + bytes([0, 0, universe & 0xFF, universe >> 8]) + struct.pack(">H", 512)
            + bytes(512))
