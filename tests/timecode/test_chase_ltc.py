"""Chase of LTC on the injected clock: the test's own LTC generator (libltc's encoder
through the test's own ctypes, not showctl's outputs/ltc.py) streams the code as raw
PCM (s16le, 48 kHz, on channel 2 of 2) in 20 ms UDP datagrams, as `ffmpeg -f alsa ...
-f s16le udp://` does, and drives the loaded show through pre-roll, lock, a dropout
(silence: freewheel, then hold) and a relocation (a seek)."""

from __future__ import annotations

import array
import ctypes
import socket

import pytest

from tests.core.room import open_room
from tests.support import free_port
from tests.timecode.test_chase import NO_LEAD, SHOW

FPS, RATE, CHUNK = 25, 48000, 960  # 960 samples: one 20 ms datagram, half a frame
SPF = RATE // FPS


class Timecode(ctypes.Structure):
    """libltc's SMPTETimecode (ltc.h): char timezone[6], then unsigned chars."""

    _fields_ = [("timezone", ctypes.c_char * 6), *((name, ctypes.c_ubyte) for name in (
        "years", "months", "days", "hours", "mins", "secs", "frame"))]


def encoder_api():
    try:
        lib = ctypes.CDLL("libltc.so.11")
    except OSError:
        pytest.skip("libltc11 is not installed (scripts/system-deps installs it)")
    lib.ltc_encoder_create.restype = ctypes.c_void_p
    lib.ltc_encoder_create.argtypes = [ctypes.c_double, ctypes.c_double, ctypes.c_int,
                                       ctypes.c_int]
    lib.ltc_encoder_set_timecode.argtypes = [ctypes.c_void_p, ctypes.POINTER(Timecode)]
    lib.ltc_encoder_encode_frame.argtypes = [ctypes.c_void_p]
    lib.ltc_encoder_get_buffer.restype = ctypes.c_int
    lib.ltc_encoder_get_buffer.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    lib.ltc_encoder_free.argtypes = [ctypes.c_void_p]
    return lib


def count_of(label: str) -> int:
    h, m, s, f = (int(x) for x in label.split(":"))
    return ((h * 60 + m) * 60 + s) * FPS + f


class LtcMaster:
    """Frame after frame of LTC from `count`, streamed a datagram per 20 ms of the fake
    clock; `at` is the master's time (show time) at the stream's newest sample."""

    def __init__(self, room, port: int, start: str = "10:00:05:00") -> None:
        self.room, self.port = room, port
        self.lib = encoder_api()
        self.encoder = self.lib.ltc_encoder_create(float(RATE), float(FPS), 1, 0)  # 625/50
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.jump(start)

    def jump(self, to: str) -> None:
        self.count = count_of(to)
        self.pending = array.array("h")
        self.at = (self.count - count_of("10:00:00:00")) / FPS

    def _encode(self) -> None:
        s, f = divmod(self.count, FPS)
        m, s = divmod(s, 60)
        h, m = divmod(m, 60)
        code = Timecode(b"+0000", 0, 0, 0, h, m, s, f)
        self.lib.ltc_encoder_set_timecode(self.encoder, ctypes.byref(code))
        self.lib.ltc_encoder_encode_frame(self.encoder)
        buffer = (ctypes.c_ubyte * (SPF + 64))()
        n = self.lib.ltc_encoder_get_buffer(self.encoder, buffer)
        self.pending.extend((b - 128) * 200 for b in buffer[:n])
        self.count += 1

    async def run(self, frames: int, *, silent: bool = False) -> None:
        for _ in range(frames * SPF // CHUNK):
            while not silent and len(self.pending) < CHUNK:
                self._encode()
            mono = array.array("h", bytes(2 * CHUNK)) if silent else self.pending[:CHUNK]
            del self.pending[:CHUNK]
            stereo = array.array("h", bytes(4 * CHUNK))
            stereo[1::2] = mono  # channel 1 silent, the LTC on channel 2
            # the datagram leaves once its last sample is captured, and is read at once
            self.at += CHUNK / RATE
            await self.room.clock.advance(CHUNK / RATE)
            self.sock.sendto(stereo.tobytes(), ("127.0.0.1", self.port))
            await self.room.clock.advance(0)

    def close(self) -> None:
        self.sock.close()
        self.lib.ltc_encoder_free(self.encoder)


@pytest.fixture
async def chased(tmp_path):
    port = free_port()
    room = await open_room(tmp_path, shows=[SHOW], patch=NO_LEAD, venue_extra={"timecode": {
        "input": {"kind": "ltc", "port": port, "fps": 25, "sample_rate": RATE,
                  "channels": 2, "channel": 2, "preroll_frames": 5,
                  "freewheel_frames": 10}}})
    master = LtcMaster(room, port)
    yield room, master
    master.close()
    await room.close()


def chase(room):
    return room.controller.status()["timecode"]["input"]


async def lock(room, master) -> list[str]:
    seen = []
    for _ in range(12):
        await master.run(1)
        seen.append(chase(room)["state"])
        if seen[-1] == "locked":
            return seen
    raise AssertionError(f"never locked: {seen}")


async def test_ltc_locks_after_the_preroll_within_two_frames(chased):
    room, master = chased
    c = room.controller
    c.load("chased", by="test")
    seen = await lock(room, master)
    assert "prerolling" in seen and c.state == "running"
    assert c.status()["counters"]["timecode_in"] >= 5
    worst = 0.0
    for _ in range(50):
        await master.run(1)
        worst = max(worst, abs(c.engine.show_time() - master.at))
    # the issue asks <= 2 frames; the frame's age (LTCFrameExt.off_start) puts it well
    # inside half a frame (without it the show ran 1.5 frames behind the master)
    assert worst <= 0.5 / FPS, f"locked error {worst * FPS:.2f} frames"
    status = chase(room)
    assert status["state"] == "locked" and abs(status["offset_ms"]) <= 80
    assert status["source"].startswith("ltc 127.0.0.1:") and "channel 2 of 2" in status["source"]
    assert next(e for _, k, e in room.events if k == "run")["by"] == "chase"


async def test_an_ltc_dropout_freewheels_then_holds_and_a_relocation_seeks(chased):
    room, master = chased
    c = room.controller
    c.load("chased", by="test")
    await lock(room, master)
    await master.run(10)
    before = c.engine.show_time()
    await master.run(4, silent=True)  # the line goes quiet: 4 frames of silence
    assert chase(room)["state"] == "freewheel" and c.state == "running"
    assert c.engine.show_time() == pytest.approx(before + 4 / FPS)
    await master.run(10, silent=True)  # 14 frames > freewheel_frames (10)
    assert chase(room)["state"] == "lost" and c.state == "paused"
    master.jump("10:01:00:00")  # the code comes back elsewhere
    await lock(room, master)
    assert c.state == "running"
    assert c.engine.show_time() == pytest.approx(master.at, abs=2 / FPS)


async def test_a_relocation_of_ltc_while_locked_seeks_the_show(chased):
    room, master = chased
    c = room.controller
    c.load("chased", by="test")
    await lock(room, master)
    await master.run(10)
    master.jump("10:00:30:00")
    await master.run(2)
    assert c.engine.show_time() == pytest.approx(master.at, abs=2 / FPS)
    seeks = [e for _, k, e in room.events if k == "state" and e["state"] == "running"]
    assert seeks[-1]["time"] == pytest.approx(30.0, abs=3 / FPS)
