"""SLIP framing of OSC 1.1 over TCP (RFC 1055): END=0xC0, ESC=0xDB.

The decoder is the guard against garbage on a stream: a bad escape or a frame over
`max_size` discards that frame (counted) and resynchronises at the next END, so the
buffer never grows past `max_size` whatever a peer sends.
"""

from __future__ import annotations

END, ESC, ESC_END, ESC_ESC = 0xC0, 0xDB, 0xDC, 0xDD
_END, _ESC = bytes([END]), bytes([ESC])


def encode(packet: bytes) -> bytes:
    """One frame with a leading END too (flushes any line noise at the receiver)."""
    body = packet.replace(_ESC, bytes([ESC, ESC_ESC])).replace(_END, bytes([ESC, ESC_END]))
    return _END + body + _END


class SlipDecoder:
    broken = False  # it resynchronises at the next END whatever it was fed (framing.py)

    def __init__(self, max_size: int) -> None:
        self.max_size = max_size
        self._buf = bytearray()
        self._skipping: str | None = None  # why the current frame is being discarded

    def feed(self, data: bytes) -> tuple[list[bytes], list[str]]:
        """Complete packets found in `data`, and one reason per discarded frame."""
        packets: list[bytes] = []
        errors: list[str] = []
        start = 0
        while True:
            end = data.find(_END, start)
            chunk = data[start:] if end < 0 else data[start:end]
            if self._skipping is None:
                if len(self._buf) + len(chunk) > self.max_size:
                    self._skipping = "oversized"
                    self._buf.clear()
                else:
                    self._buf += chunk
            if end < 0:
                return packets, errors
            if self._skipping is not None:
                errors.append(self._skipping)
            elif self._buf:  # empty frames (double END) are legal padding
                packet = _unescape(bytes(self._buf))
                if packet is None:
                    errors.append("malformed")
                else:
                    packets.append(packet)
            self._buf.clear()
            self._skipping = None
            start = end + 1


def _unescape(frame: bytes) -> bytes | None:
    """The frame's bytes, or None when an ESC is not followed by ESC_END/ESC_ESC."""
    if ESC not in frame:
        return frame
    out = bytearray()
    i, n = 0, len(frame)
    while i < n:
        byte = frame[i]
        if byte == ESC:
            if i + 1 >= n or frame[i + 1] not in (ESC_END, ESC_ESC):
                return None
            out.append(END if frame[i + 1] == ESC_END else ESC)
            i += 2
        else:
            out.append(byte)
            i += 1
    return bytes(out)
