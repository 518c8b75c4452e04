"""Chase on the injected clock: a timecode generator in the test (ArtTimeCode packets
from the Art-Net 4 layout, not showctl's encoder) drives the loaded show through
pre-roll, lock, dropout (freewheel, then hold or stop), relocation and stopped code."""

from __future__ import annotations

import socket
import struct

import pytest

from tests.core.room import open_room
from tests.support import free_port

SHOW = {"id": "chased", "preroll": 0, "timecode": {"start": "10:00:00:00"}, "cues": [
    {"id": "1", "at": 0, "name": "Open", "lights": {"cue": "1", "fade": 0}},
    {"id": "2", "at": 120, "name": "End", "lights": {"cue": "2", "fade": 0}},
]}
NO_LEAD = {d: {"latency": 0} for d in [*(f"screen{i}" for i in range(1, 10)), "lights"]}
FPS = 25


def arttimecode(frames: int) -> bytes:
    """Frame count since 00:00:00:00 at 25 fps as an ArtTimeCode (Type 1, EBU)."""
    s, f = divmod(frames, FPS)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return (b"Art-Net\x00" + struct.pack("<H", 0x9700) + b"\x00\x0e"
            + bytes([0, 0, f, s, m, h, 1]))


class Master:
    """The generator: frame by frame on the fake clock."""

    def __init__(self, room, port: int, start: str = "10:00:05:00") -> None:
        self.room, self.port = room, port
        h, m, s, f = (int(x) for x in start.split(":"))
        self.count = ((h * 60 + m) * 60 + s) * FPS + f
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)

    async def run(self, frames: int, *, advancing: bool = True) -> None:
        for _ in range(frames):
            self.sock.sendto(arttimecode(self.count), ("127.0.0.1", self.port))
            await self.room.clock.advance(1 / FPS)
            if advancing:
                self.count += 1

    def jump(self, to: str) -> None:
        h, m, s, f = (int(x) for x in to.split(":"))
        self.count = ((h * 60 + m) * 60 + s) * FPS + f

    def code_time(self) -> float:
        """Show time of the frame the master says now (10:00:00:00 is 0)."""
        return (self.count - 10 * 3600 * FPS) / FPS


async def rig(tmp_path, **chase):
    port = free_port()
    room = await open_room(tmp_path, shows=[SHOW], patch=NO_LEAD, venue_extra={"timecode": {
        "input": {"kind": "artnet", "port": port, "fps": 25, "preroll_frames": 5,
                  "freewheel_frames": 10, **chase}}})
    return room, Master(room, port)


@pytest.fixture
async def chased(tmp_path):
    room, master = await rig(tmp_path)
    yield room, master
    master.sock.close()
    await room.close()


def chase(room):
    return room.controller.status()["timecode"]["input"]


async def test_the_show_locks_after_the_preroll_and_stays_within_two_frames(chased):
    room, master = chased
    c = room.controller
    c.load("chased", by="test")
    await master.run(4)
    assert c.state == "loaded" and chase(room)["state"] == "prerolling"
    await master.run(1)
    assert c.state == "running" and chase(room)["state"] == "locked"
    for _ in range(50):
        await master.run(1)
        error = c.engine.show_time() - (master.code_time() - 1 / FPS)
        assert abs(error) <= 2 / FPS
    status = chase(room)
    assert status["source"].startswith("artnet 127.0.0.1:") and status["code"] == "10:00:07:05"
    assert abs(status["offset_ms"]) <= 80
    assert next(e for _, k, e in room.events if k == "run")["by"] == "chase"


async def test_a_dropout_freewheels_then_holds_and_the_code_coming_back_relocks(chased):
    room, master = chased
    c = room.controller
    c.load("chased", by="test")
    await master.run(20)
    before = c.engine.show_time()
    await room.clock.advance(5 / FPS)  # silence: 5 frames
    assert chase(room)["state"] == "freewheel" and c.state == "running"
    assert c.engine.show_time() == pytest.approx(before + 5 / FPS)
    await room.clock.advance(7 / FPS)  # 12 frames > freewheel_frames (10)
    assert chase(room)["state"] == "lost" and c.state == "paused"
    master.jump("10:01:00:00")  # the master comes back elsewhere: relocation
    await master.run(5)
    assert c.state == "running" and chase(room)["state"] == "locked"
    assert c.engine.show_time() == pytest.approx(60.0 + 4 / FPS, abs=2 / FPS)


async def test_a_relocation_while_locked_seeks_the_show_at_once(chased):
    room, master = chased
    c = room.controller
    c.load("chased", by="test")
    await master.run(10)
    master.jump("10:00:30:00")
    await master.run(1)
    assert c.engine.show_time() == pytest.approx(30.0, abs=2 / FPS)
    seeks = [e for _, k, e in room.events if k == "state" and e["state"] == "running"]
    assert seeks[-1]["time"] == pytest.approx(30.0, abs=2 / FPS)


async def test_stopped_code_freewheels_then_holds_where_the_master_stands(chased):
    room, master = chased
    c = room.controller
    c.load("chased", by="test")
    await master.run(10)
    await master.run(15, advancing=False)  # the master paused: its frame repeated
    assert chase(room)["state"] == "lost" and c.state == "paused"


async def test_on_loss_stop_stops_the_show_and_bad_packets_are_counted(tmp_path):
    room, master = await rig(tmp_path, on_loss="stop")
    try:
        c = room.controller
        c.load("chased", by="test")
        master.sock.sendto(b"not art-net at all", ("127.0.0.1", master.port))
        await master.run(10)
        assert c.state == "running"
        await room.clock.advance(12 / FPS)
        assert c.state == "idle" and chase(room)["state"] == "lost"
        assert c.status()["counters"]["timecode_bad"] == 1
        assert c.status()["counters"]["timecode_in"] == 10
    finally:
        master.sock.close()
        await room.close()
