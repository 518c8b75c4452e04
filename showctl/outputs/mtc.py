"""MIDI Time Code bytes (MIDI 1.0 Detailed Specification, "MIDI Time Code", MMA RP-004):
quarter-frame messages while the code runs, a full-frame message on a relocation.

Quarter frame: 0xF1 then 0nnn dddd, piece n 0-7: frames low/high nibble, seconds
low/high, minutes low/high, hours low, then hours' high bit with the rate (bits 1-2: 0
24, 1 25, 2 29.97 drop-frame, 3 30). Four pieces a frame: the eight of a cycle span two
frames and carry the time of the frame their piece 0 began on (a receiver adds the two
frames it took). Full frame: F0 7F 7F 01 01 hh mm ss ff F7, hh holding the rate too.
"""

from __future__ import annotations

from showctl.smpte import Label, Rate

RATE_BITS = {"24": 0, "25": 1, "29.97df": 2, "30": 3}


def quarter_frame(piece: int, label: Label, rate: Rate) -> bytes:
    """Piece 0-7 of the cycle that carries `label`."""
    h, m, s, f = label
    value = (f & 0xF, f >> 4, s & 0xF, s >> 4, m & 0xF, m >> 4, h & 0xF,
             (h >> 4) & 1 | RATE_BITS[rate.name] << 1)[piece]
    return bytes([0xF1, piece << 4 | value])


def full_frame(label: Label, rate: Rate) -> bytes:
    h, m, s, f = label
    return bytes([0xF0, 0x7F, 0x7F, 0x01, 0x01, RATE_BITS[rate.name] << 5 | h, m, s, f, 0xF7])
