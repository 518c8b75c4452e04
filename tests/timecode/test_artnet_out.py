"""Art-Net timecode out from the show's own timeline, on the injected clock: a frame at
each frame boundary of the show clock, from the show's start label; stopped code while
paused, holding or fading out; the new frame at once on a seek; nothing once idle."""

from __future__ import annotations

import asyncio

import pytest

from tests.core.room import open_room
from tests.support import free_port
from tests.timecode.artnet_rx import CodeReceiver

SHOW = {"id": "tc", "preroll": 0, "timecode": {"start": "10:00:00:00"}, "cues": [
    {"id": "1", "at": 0, "name": "Open", "lights": {"cue": "1", "fade": 0}},
    {"id": "2", "at": 3, "name": "Wait", "hold": True},
    {"id": "3", "at": 6, "name": "End", "lights": {"cue": "2", "fade": 0}},
]}


NO_LEAD = {d: {"latency": 0} for d in [*(f"screen{i}" for i in range(1, 10)), "lights"]}
"""Every device acts on arrival: a command takes effect at once (the lead's own test
is test_a_pause_lets_the_code_run_on_to_its_effect_instant)."""


async def rig(tmp_path, fps=25, show=SHOW):
    port = free_port()
    room = await open_room(tmp_path, shows=[show], venue_extra={"timecode": {"outputs": [
        {"kind": "artnet", "host": "127.0.0.1", "port": port, "fps": fps}]}},
        patch=NO_LEAD)
    transport, rx = await asyncio.get_running_loop().create_datagram_endpoint(
        lambda: CodeReceiver(room.clock), local_addr=("127.0.0.1", port))
    room.transports.append(transport)
    return room, rx


@pytest.fixture
async def tc(tmp_path):
    room, rx = await rig(tmp_path)
    yield room, rx
    await room.close()


async def test_frames_leave_at_each_boundary_of_the_show_clock_from_the_start_label(tc):
    room, rx = tc
    room.controller.start("tc", by="test")
    t0 = room.controller.engine._t0
    await room.clock.advance(0)
    await room.clock.advance_to(t0)
    rx.got.clear()
    await room.clock.advance(1.01)
    labels = rx.labels()
    assert labels[:3] == ["10:00:00:01", "10:00:00:02", "10:00:00:03"]
    assert labels[23:25] == ["10:00:00:24", "10:00:01:00"]
    assert all(c.kind == 1 for c in rx.got), "Type 1: EBU 25"
    for n, code in enumerate(rx.got, start=1):
        assert code.at == pytest.approx(t0 + n / 25, abs=1e-9)
    assert room.controller.status()["timecode"]["outputs"][0]["state"] == "running"


async def test_pause_sends_stopped_code_and_resume_moves_on_from_it(tc):
    room, rx = tc
    room.controller.start("tc", by="test")
    await room.clock.advance(1.0)
    room.controller.pause(by="test")
    await room.clock.advance(0.05)  # the pause takes effect at once (no device lead)
    rx.got.clear()
    await room.clock.advance(1.0)
    assert set(rx.labels()) == {"10:00:01:00"}, "stopped code: the frame it stands on"
    assert len(rx.got) >= 24, "repeated at the frame rate"
    assert room.controller.status()["timecode"]["outputs"][0]["state"] == "stopped"
    rx.got.clear()
    room.controller.resume(by="test")
    await room.clock.advance(0.5)
    labels = rx.labels()
    assert labels[0] == "10:00:01:00" and labels[-1] == "10:00:01:12"
    assert labels == sorted(set(labels)), "moving again, one frame each"


async def test_a_seek_relocates_the_code_at_once(tc):
    room, rx = tc
    room.controller.start("tc", by="test")
    await room.clock.advance(0.5)
    rx.got.clear()
    room.controller.seek(2.5, by="test")
    await room.clock.advance(0)
    assert rx.labels()[0] == "10:00:02:12"  # 2.5 s * 25 = frame 62
    await room.clock.advance(0.2)
    assert rx.labels()[-1] == "10:00:02:17"


async def test_a_hold_freezes_the_code_on_the_hold_cue_until_go(tc):
    room, rx = tc
    room.controller.start("tc", by="test")
    await room.clock.advance(3.5)
    rx.got.clear()
    await room.clock.advance(1.0)
    assert set(rx.labels()) == {"10:00:03:00"}
    rx.got.clear()
    room.controller.go(by="test")
    await room.clock.advance(0.2)
    assert rx.labels()[0] == "10:00:03:00" and rx.labels()[-1] == "10:00:03:05"


async def test_stop_fades_on_stopped_code_then_the_code_ends(tc):
    room, rx = tc
    room.controller.start("tc", by="test")
    await room.clock.advance(1.0)
    room.controller.stop(1.0, by="test")
    rx.got.clear()
    await room.clock.advance(0.5)
    assert set(rx.labels()) == {"10:00:01:00"}
    await room.clock.advance(0.6)
    rx.got.clear()
    await room.clock.advance(1.0)
    assert rx.got == [] and room.controller.state == "idle"
    assert room.controller.status()["timecode"]["outputs"][0]["state"] == "off"


async def test_loaded_show_says_its_start_label_and_panic_ends_the_code(tc):
    room, rx = tc
    room.controller.load("tc", by="test")
    await room.clock.advance(0.2)
    assert set(rx.labels()) == {"10:00:00:00"}
    room.controller.panic(by="test")
    rx.got.clear()
    await room.clock.advance(0.5)
    assert rx.got == []


async def test_drop_frame_skips_the_first_two_labels_of_a_minute(tmp_path):
    show = {**SHOW, "timecode": {"start": "00:00:59;28"}}
    room, rx = await rig(tmp_path, fps=29.97, show=show)
    try:
        room.controller.start("tc", by="test")
        t0 = room.controller.engine._t0
        await room.clock.advance_to(t0)
        rx.got.clear()
        await room.clock.advance(0.14)
        assert rx.labels()[:3] == ["00:00:59:29", "00:01:00:02", "00:01:00:03"]
        assert rx.labels()[-1] == "00:01:00:04"
        assert {c.kind for c in rx.got} == {2}
        assert rx.got[1].at == pytest.approx(t0 + 2 * 1001 / 30000, abs=1e-9)
    finally:
        await room.close()


async def test_a_pause_lets_the_code_run_on_to_its_effect_instant(tmp_path):
    """With a device lead the room pauses a lead after the command: the code runs on
    to that instant (the frames the devices still act on), then stands there."""
    port = free_port()
    room = await open_room(tmp_path, shows=[SHOW], venue_extra={"timecode": {"outputs": [
        {"kind": "artnet", "host": "127.0.0.1", "port": port}]}},
        patch={"lights": {"latency": 0.2}})
    transport, rx = await asyncio.get_running_loop().create_datagram_endpoint(
        lambda: CodeReceiver(room.clock), local_addr=("127.0.0.1", port))
    room.transports.append(transport)
    try:
        room.controller.start("tc", by="test")
        await room.clock.advance_to(room.controller.engine._t0 + 1.0)
        room.controller.pause(by="test")
        rx.got.clear()
        await room.clock.advance(0.6)
        labels = rx.labels()
        assert labels[:5] == [f"10:00:01:{f:02d}" for f in range(1, 6)]  # 0.2 s = 5 frames
        assert set(labels[5:]) == {"10:00:01:05"} and len(labels) >= 14
    finally:
        await room.close()
