"""libltc's own decoder (ltc_decoder_*), through ctypes, for the tests: the LTC frames
in unsigned 8-bit audio and the sample each begins at (LTCFrameExt.off_start)."""

from __future__ import annotations

import ctypes

from showctl.outputs.ltc import SMPTETimecode, library

FRAME_EXT = 1024  # LTCFrameExt's size is well below this; off_start is at offset 16
OFF_START = 16  # after LTCFrame (80 bits in unsigned-int bit fields), 8-byte aligned


def decode(samples: bytes, fps: float, sample_rate: int = 48000
           ) -> list[tuple[str, int]]:
    lib = library()
    lib.ltc_decoder_create.restype = ctypes.c_void_p
    lib.ltc_decoder_create.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.ltc_decoder_write.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                                      ctypes.c_longlong]
    lib.ltc_decoder_read.restype = ctypes.c_int
    lib.ltc_decoder_read.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.ltc_frame_to_time.argtypes = [ctypes.POINTER(SMPTETimecode), ctypes.c_void_p,
                                      ctypes.c_int]
    lib.ltc_decoder_free.argtypes = [ctypes.c_void_p]
    decoder = lib.ltc_decoder_create(int(sample_rate / fps), 32)
    frame = (ctypes.c_ubyte * FRAME_EXT)()
    out: list[tuple[str, int]] = []
    try:
        for at in range(0, len(samples), 1024):
            chunk = (ctypes.c_ubyte * 1024).from_buffer_copy(samples[at:at + 1024].ljust(
                1024, b"\x80"))
            lib.ltc_decoder_write(decoder, chunk, 1024, at)
            while lib.ltc_decoder_read(decoder, frame):
                code = SMPTETimecode()
                lib.ltc_frame_to_time(ctypes.byref(code), frame, 0)
                start = ctypes.c_longlong.from_buffer(frame, OFF_START).value
                out.append((f"{code.hours:02d}:{code.mins:02d}:{code.secs:02d}:"
                            f"{code.frame:02d}", start))
    finally:
        lib.ltc_decoder_free(decoder)
    return out
