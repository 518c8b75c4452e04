"""SMPTE LTC as audio, encoded by libltc (Debian libltc11) through ctypes.

libltc's API (x42/libltc, ltc.h 1.3): `ltc_encoder_create(sample_rate, fps, standard,
flags)`, `ltc_encoder_set_timecode(encoder, SMPTETimecode*)`, `ltc_encoder_encode_frame`,
`ltc_encoder_get_buffer(encoder, ltcsnd_sample_t*)` (the frame's unsigned 8-bit samples,
returned and flushed), `ltc_encoder_inc_timecode`. `SMPTETimecode` is `char
timezone[6]` then years, months, days, hours, mins, secs, frame as unsigned chars.

`render` gives the show's LTC from its start label for a length of time: frame k's
first sample is sample round(k * sample_rate / fps) of the track, so a track that starts
playing at show time 0 puts every LTC frame boundary on the show clock's. `wav` puts it
on one channel of a multichannel WAV (the channel the venue names), the others silent.
"""

from __future__ import annotations

import ctypes
import io
import math
import wave
from typing import Any

from showctl.smpte import Label, Rate, to_frames, to_label

LIBRARY = "libltc.so.11"
STANDARD = {"24": 3, "25": 1, "29.97df": 0, "30": 0}
"""LTC_TV_STANDARD: LTC_TV_525_60 0, LTC_TV_625_50 1, LTC_TV_FILM_24 3."""
FPS = {"24": 24.0, "25": 25.0, "29.97df": 30000 / 1001, "30": 30.0}


class SMPTETimecode(ctypes.Structure):
    _fields_ = [("timezone", ctypes.c_char * 6), ("years", ctypes.c_ubyte),
                ("months", ctypes.c_ubyte), ("days", ctypes.c_ubyte),
                ("hours", ctypes.c_ubyte), ("mins", ctypes.c_ubyte),
                ("secs", ctypes.c_ubyte), ("frame", ctypes.c_ubyte)]


class LtcUnavailable(RuntimeError):
    """libltc is not installed (Debian: apt install libltc11)."""


_lib: Any = None


def library() -> Any:
    global _lib
    if _lib is None:
        try:
            lib = ctypes.CDLL(LIBRARY)
        except OSError as exc:
            raise LtcUnavailable(f"LTC needs {LIBRARY} (Debian: apt install libltc11): "
                                 f"{exc}") from None
        lib.ltc_encoder_create.restype = ctypes.c_void_p
        lib.ltc_encoder_create.argtypes = [ctypes.c_double, ctypes.c_double, ctypes.c_int,
                                           ctypes.c_int]
        lib.ltc_encoder_set_timecode.argtypes = [ctypes.c_void_p,
                                                 ctypes.POINTER(SMPTETimecode)]
        lib.ltc_encoder_encode_frame.argtypes = [ctypes.c_void_p]
        lib.ltc_encoder_get_buffer.restype = ctypes.c_int
        lib.ltc_encoder_get_buffer.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        lib.ltc_encoder_inc_timecode.argtypes = [ctypes.c_void_p]
        lib.ltc_encoder_set_volume.argtypes = [ctypes.c_void_p, ctypes.c_double]
        lib.ltc_encoder_free.argtypes = [ctypes.c_void_p]
        _lib = lib
    return _lib


def render(start: Label, rate: Rate, seconds: float, sample_rate: int = 48000,
           volume_db: float = -18.0) -> bytes:
    """The LTC of `seconds` from label `start`: unsigned 8-bit mono samples."""
    lib = library()
    fps = FPS[rate.name]
    encoder = lib.ltc_encoder_create(float(sample_rate), fps, STANDARD[rate.name], 0)
    if not encoder:
        raise LtcUnavailable("ltc_encoder_create failed")
    try:
        lib.ltc_encoder_set_volume(encoder, volume_db)
        buffer = (ctypes.c_ubyte * (sample_rate // 10 + 64))()
        base = to_frames(start, rate)
        out = bytearray()
        frames = math.ceil(seconds * fps)
        for k in range(frames):
            h, m, s, f = to_label(base + k, rate)
            code = SMPTETimecode(b"+0000", 0, 0, 0, h, m, s, f)
            lib.ltc_encoder_set_timecode(encoder, ctypes.byref(code))
            lib.ltc_encoder_encode_frame(encoder)
            n = lib.ltc_encoder_get_buffer(encoder, buffer)
            out += bytes(buffer[:n])
            # libltc carries a fractional sample over (29.97): frame k+1 then begins at
            # sample round((k + 1) * rate / fps) of the whole track
        return bytes(out[:round(seconds * sample_rate)])
    finally:
        lib.ltc_encoder_free(encoder)


def wav(samples: bytes, channel: int, channels: int, sample_rate: int = 48000) -> bytes:
    """A 16-bit WAV of `channels` channels with the LTC on `channel` (1-based)."""
    if not 1 <= channel <= channels:
        raise ValueError(f"channel {channel} is not one of 1-{channels}")
    silent = b"\x00\x00"
    frames = bytearray()
    for sample in samples:
        value = ((sample - 128) << 8).to_bytes(2, "little", signed=True)
        frames += silent * (channel - 1) + value + silent * (channels - channel)
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(bytes(frames))
    return out.getvalue()
