"""SMPTE LTC read from audio: libltc's decoder (Debian libltc11) through ctypes, for the
chase (core/chase.py, venue `timecode.input` of kind `ltc`).

The audio arrives as raw PCM, signed 16-bit little-endian (s16le), `channels`
interleaved at `sample_rate`, in UDP datagrams (docs/timecode.md: how a venue sends its
sound card's input there with ffmpeg or arecord). `LtcReader.feed` takes each datagram
as it arrives, keeps the venue's `channel` and hands it to `ltc_decoder_write_s16`; each
frame libltc completes comes back as its label and how long ago, in seconds, the frame
began: the samples that arrived after its first one (LTCFrameExt.off_start, counted in
the reader's own running sample position). Decoding a datagram is a few microseconds of
arithmetic on memory and never blocks, so it runs on the loop as the datagram is read.

libltc's API (x42/libltc, ltc.h 1.3): `ltc_decoder_create(apv, queue_size)` (apv: audio
samples per video frame), `ltc_decoder_write_s16(decoder, short*, size, posinfo)`,
`ltc_decoder_read(decoder, LTCFrameExt*)` (1 while a decoded frame is queued),
`ltc_frame_to_time(SMPTETimecode*, LTCFrame*, flags)`, `ltc_decoder_free`.
`LTCFrameExt` is the 80-bit LTCFrame, then `ltc_off_t off_start, off_end` (int64), `int
reverse`, `float biphase_tics[80]`, `float sample_min, sample_max`, `double volume`.
"""

from __future__ import annotations

import array
import ctypes
import sys
from typing import Any

from showctl.outputs.ltc import FPS, LtcUnavailable, SMPTETimecode, library
from showctl.smpte import Label, Rate

QUEUE = 32
"""Decoded frames libltc may hold: far more than one datagram can complete."""


class LTCFrameExt(ctypes.Structure):
    _fields_ = [("ltc", ctypes.c_ubyte * 10), ("off_start", ctypes.c_longlong),
                ("off_end", ctypes.c_longlong), ("reverse", ctypes.c_int),
                ("biphase_tics", ctypes.c_float * 80), ("sample_min", ctypes.c_float),
                ("sample_max", ctypes.c_float), ("volume", ctypes.c_double),
                ("_spare", ctypes.c_ubyte * 64)]  # room should a later libltc grow it


_declared = False


def _decoder_api() -> Any:
    global _declared
    lib = library()
    if not _declared:
        lib.ltc_decoder_create.restype = ctypes.c_void_p
        lib.ltc_decoder_create.argtypes = [ctypes.c_int, ctypes.c_int]
        lib.ltc_decoder_write_s16.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                              ctypes.c_size_t, ctypes.c_longlong]
        lib.ltc_decoder_read.restype = ctypes.c_int
        lib.ltc_decoder_read.argtypes = [ctypes.c_void_p, ctypes.POINTER(LTCFrameExt)]
        lib.ltc_frame_to_time.argtypes = [ctypes.POINTER(SMPTETimecode),
                                          ctypes.POINTER(LTCFrameExt), ctypes.c_int]
        lib.ltc_decoder_free.argtypes = [ctypes.c_void_p]
        _declared = True
    return lib


class LtcReader:
    """One input's decoder: PCM datagrams in, (label, seconds since it began) out."""

    def __init__(self, rate: Rate, sample_rate: int, channels: int, channel: int) -> None:
        self.lib = _decoder_api()
        self.sample_rate, self.channels, self.channel = sample_rate, channels, channel
        self.decoder = self.lib.ltc_decoder_create(round(sample_rate / FPS[rate.name]), QUEUE)
        if not self.decoder:
            raise LtcUnavailable("ltc_decoder_create failed")
        self.position = 0  # samples of the channel written so far
        self._partial = b""  # an s16le sample frame split across datagrams
        self._frame = LTCFrameExt()

    def feed(self, data: bytes) -> list[tuple[Label, float]]:
        """The frames this audio completed, each with how long ago (s) it began."""
        width = 2 * self.channels
        data = self._partial + data
        whole = len(data) - len(data) % width
        self._partial = data[whole:]
        if not whole:
            return []
        samples = array.array("h", data[:whole])
        if sys.byteorder == "big":
            samples.byteswap()
        if self.channels > 1:
            samples = samples[self.channel - 1::self.channels]
        n = len(samples)
        address, _ = samples.buffer_info()
        self.lib.ltc_decoder_write_s16(self.decoder, address, n, self.position)
        self.position += n
        out: list[tuple[Label, float]] = []
        frame, code = self._frame, SMPTETimecode()
        while self.lib.ltc_decoder_read(self.decoder, ctypes.byref(frame)):
            self.lib.ltc_frame_to_time(ctypes.byref(code), ctypes.byref(frame), 0)
            ago = max(self.position - frame.off_start, 0) / self.sample_rate
            out.append(((code.hours, code.mins, code.secs, code.frame), ago))
        return out

    def close(self) -> None:
        if self.decoder:
            self.lib.ltc_decoder_free(self.decoder)
            self.decoder = None
