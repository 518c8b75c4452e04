"""OSC packets on a TCP stream, both framings a product may take: SLIP (OSC 1.1,
`showctl.codec.slip`) or a big-endian int32 size before each packet (OSC 1.0).

The one place the framings are written and read: the controller's TCP links, the
simulated devices that listen on TCP, and tests. A decoder never grows past `max_size`;
a length prefix over it means the stream is garbage from there on (there is no
delimiter to resynchronise at), so that decoder stops (`broken`) and its reader drops
the connection. SLIP resynchronises at the next END and is never broken.
"""

from __future__ import annotations

import struct
from typing import Literal, Protocol

from showctl.codec import slip

Framing = Literal["slip", "length"]
FRAMINGS: tuple[Framing, ...] = ("slip", "length")


class Decoder(Protocol):
    broken: bool

    def feed(self, data: bytes) -> tuple[list[bytes], list[str]]:
        """Complete packets found so far, and one reason per discarded frame."""
        ...


def frame(packet: bytes, framing: Framing) -> bytes:
    if framing == "slip":
        return slip.encode(packet)
    return struct.pack(">I", len(packet)) + packet


class LengthDecoder:
    """OSC 1.0 over TCP: an int32 size, then that many bytes, again and again."""

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self.broken = False
        self._buf = bytearray()

    def feed(self, data: bytes) -> tuple[list[bytes], list[str]]:
        if self.broken:
            return [], []
        self._buf += data
        packets: list[bytes] = []
        start = 0
        while len(self._buf) - start >= 4:
            size = int.from_bytes(self._buf[start:start + 4], "big")
            if size > self.max_size:
                self.broken = True
                self._buf.clear()
                return packets, ["oversized"]
            if len(self._buf) - start - 4 < size:
                break
            packets.append(bytes(self._buf[start + 4:start + 4 + size]))
            start += 4 + size
        del self._buf[:start]
        return packets, []


def decoder(framing: Framing, max_size: int) -> Decoder:
    if framing == "slip":
        return slip.SlipDecoder(max_size)
    return LengthDecoder(max_size)
