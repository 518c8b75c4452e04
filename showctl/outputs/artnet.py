"""Art-Net 4 packets the controller sends and reads: ArtDmx (OpCode 0x5000) and
ArtTimeCode (OpCode 0x9700).

Written from Artistic Licence's "Art-Net 4" specification (art-net.org.uk, revision
1.4dh): every packet starts with "Art-Net\\0", the OpCode little-endian, then ProtVerHi
ProtVerLo (14) big-endian. ArtDmx: Sequence (0 = not used), Physical, SubUni, Net,
LengthHi, Length (an even 2-512), the data. ArtTimeCode: Filler1, StreamId, Frames,
Seconds, Minutes, Hours, Type (0 film 24, 1 EBU 25, 2 DF 29.97, 3 SMPTE 30).
"""

from __future__ import annotations

import struct

from showctl.smpte import Label, Rate

ID = b"Art-Net\x00"
PROTOCOL = 14
OP_DMX = 0x5000
OP_TIMECODE = 0x9700
TYPES = {"24": 0, "25": 1, "29.97df": 2, "30": 3}
"""ArtTimeCode's Type for each rate."""
_HEADER = struct.Struct("<8sH")
_TIMECODE = struct.Struct(">BBBBBBBB")  # ProtVer (2), Filler1, StreamId, F, S, M, H -- then Type


def header(opcode: int) -> bytes:
    return _HEADER.pack(ID, opcode) + struct.pack(">H", PROTOCOL)


def timecode(label: Label, rate: Rate, stream: int = 0) -> bytes:
    """One ArtTimeCode packet (19 bytes) for `label` at `rate`."""
    h, m, s, f = label
    return header(OP_TIMECODE) + bytes([0, stream, f, s, m, h, TYPES[rate.name]])


def dmx(universe: int, data: bytes, sequence: int = 0, physical: int = 0) -> bytes:
    """One ArtDmx packet: `universe` is the 15-bit Port-Address (Net, Sub-Net, Universe);
    `data` 2-512 bytes (padded to an even length, as the specification requires)."""
    if len(data) % 2:
        data += b"\x00"
    return (header(OP_DMX) + bytes([sequence & 0xFF, physical, universe & 0xFF,
                                    (universe >> 8) & 0x7F])
            + struct.pack(">H", len(data)) + data)


class NotArtNet(ValueError):
    """A datagram that is not the Art-Net packet expected (the input counts it)."""


def opcode(packet: bytes) -> int:
    if len(packet) < 12 or packet[:8] != ID:
        raise NotArtNet("not an Art-Net packet")
    return int(_HEADER.unpack_from(packet)[1])


def read_timecode(packet: bytes) -> tuple[Label, int, int]:
    """An ArtTimeCode's label, Type and StreamId; NotArtNet for anything else."""
    if opcode(packet) != OP_TIMECODE or len(packet) < 19:
        raise NotArtNet("not an ArtTimeCode packet")
    stream, f, s, m, h, kind = packet[13:19]
    if kind > 3 or h > 23 or m > 59 or s > 59 or f > 29:
        raise NotArtNet("an ArtTimeCode packet with an impossible time")
    return (h, m, s, f), kind, stream
