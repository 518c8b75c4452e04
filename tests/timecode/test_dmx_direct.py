"""DMX direct (`sacn`, `artnet` profiles) on the injected clock: fades rendered at the
device's rate with the exact target on the last frame, three repeats then a refresh a
second (E1.31 6.6.1), sequence numbers, priority and universe; the safe look on stop
and panic."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from tests.core.room import open_room
from tests.timecode.dmx_rx import DmxReceiver, read_artdmx, read_e131

SHOW = {"id": "dmx", "preroll": 0, "cues": [
    {"id": "1", "at": 1, "name": "Up", "levels": {"channels": {1: 255, 2: 100}, "fade": 1}},
    {"id": "2", "at": 5, "name": "End", "levels": {"channels": {2: 0}, "fade": 0}},
]}
NO_LEAD = {d: {"latency": 0} for d in [*(f"screen{i}" for i in range(1, 10)), "lights"]}


async def rig(tmp_path, **device):
    room = await open_room(tmp_path, shows=[SHOW], patch=NO_LEAD, extra_devices=(
        {"id": "dimmers", "kind": "lighting", **device},),
        venue_extra={"safe_look": {"lights": None, "fade": 0, "levels": {1: 30}}})
    port = room.controller.config.venue.device("dimmers").port
    index = [d.id for d in room.controller.config.venue.devices].index("dimmers")
    room.transports[index].close()  # the room's OSC reader: this device speaks no OSC
    await asyncio.sleep(0)
    reader = read_e131 if device["profile"] == "sacn" else read_artdmx
    transport, rx = await asyncio.get_running_loop().create_datagram_endpoint(
        lambda: DmxReceiver(room.clock, reader), local_addr=("127.0.0.1", port))
    room.transports.append(transport)
    return room, rx


@pytest.fixture
async def sacn(tmp_path):
    room, rx = await rig(tmp_path, profile="sacn", universe=7, priority=150)
    yield room, rx
    await room.close()


async def test_a_fade_streams_at_40hz_then_three_repeats_then_once_a_second(sacn):
    room, rx = sacn
    room.controller.start("dmx", by="test")
    t0 = room.controller.engine._t0
    await room.clock.advance_to(t0 + 4.9)
    frames = rx.got
    assert {(f.universe, f.priority, f.source) for f in frames} == {(7, 150, "showctl dimmers")}
    fade = [f for f in frames if f.at <= t0 + 2.0 + 1e-9]
    assert fade[0].at == pytest.approx(t0 + 1.0) and fade[0].data[:2] == bytes(2)
    assert fade[-1].at == pytest.approx(t0 + 2.0) and fade[-1].data[:2] == bytes([255, 100])
    assert len(fade) == 41 and all(abs(b.at - a.at - 0.025) < 1e-9
                                   for a, b in itertools.pairwise(fade))
    assert [f.data[0] for f in fade] == sorted(f.data[0] for f in fade)
    after = [f.at - t0 for f in frames[len(fade):]]
    assert after == pytest.approx([2.025, 2.05, 2.075, 3.075, 4.075])
    assert all(f.data[:2] == bytes([255, 100]) for f in frames[len(fade):])
    assert [f.sequence for f in frames] == [n % 256 for n in range(1, len(frames) + 1)]


async def test_stop_and_panic_go_to_the_safe_look_and_it_is_kept_alive(sacn):
    room, rx = sacn
    room.controller.start("dmx", by="test")
    t0 = room.controller.engine._t0
    await room.clock.advance_to(t0 + 3.0)
    room.controller.panic(by="test")
    rx.got.clear()
    await room.clock.advance(3.0)
    assert rx.got[0].data[:2] == bytes([30, 0]), "the safe look at once"
    assert len(rx.got) == 1 + 3 + 2 and {f.data[:2] for f in rx.got} == {bytes([30, 0])}
    assert room.controller.status()["lighting"]["levels"] == {"1": 30}


async def test_artnet_frames_at_the_devices_own_rate(tmp_path):
    room, rx = await rig(tmp_path, profile="artnet", universe=0x123, rate=30)
    try:
        room.controller.start("dmx", by="test")
        t0 = room.controller.engine._t0
        await room.clock.advance_to(t0 + 2.0)
        assert {f.universe for f in rx.got} == {0x123}
        assert len(rx.got) == 31 and all(abs(b.at - a.at - 1 / 30) < 1e-9
                                         for a, b in itertools.pairwise(rx.got))
        assert rx.got[-1].data[:2] == bytes([255, 100]) and len(rx.got[-1].data) == 512
        assert [f.sequence for f in rx.got] == list(range(1, 32)), "1-255: never 0"
        room.controller.stop(0.5, by="test")
        rx.got.clear()
        await room.clock.advance(0.6)
        assert rx.got[-1].data[:2] == bytes([30, 0]) and len(rx.got) >= 15
    finally:
        await room.close()


async def test_back_to_back_fades_keep_the_rate_without_a_doubled_frame(tmp_path):
    show = {"id": "dmx", "preroll": 0, "cues": [
        {"id": str(k), "at": float(k), "levels": {"channels": {1: 255 * (k % 2)}, "fade": 1}}
        for k in range(1, 4)] + [
        {"id": "cut", "at": 4.0, "levels": {"channels": {1: 77}, "fade": 0}}]}
    room = await open_room(tmp_path, shows=[show], patch=NO_LEAD, extra_devices=(
        {"id": "dimmers", "kind": "lighting", "profile": "sacn", "universe": 1},))
    port = room.controller.config.venue.device("dimmers").port
    index = [d.id for d in room.controller.config.venue.devices].index("dimmers")
    room.transports[index].close()
    await asyncio.sleep(0)
    transport, rx = await asyncio.get_running_loop().create_datagram_endpoint(
        lambda: DmxReceiver(room.clock, read_e131), local_addr=("127.0.0.1", port))
    room.transports.append(transport)
    try:
        room.controller.start("dmx", by="test")
        t0 = room.controller.engine._t0
        await room.clock.advance_to(t0 + 4.01)
        moving = [f for f in rx.got if f.at <= t0 + 4.0 + 1e-9]
        *steady, cut = moving
        assert len(steady) == 3 * 40 + 1, "one frame every 25 ms from 1 s to 4 s"
        assert all(abs(b.at - a.at - 0.025) < 1e-9 for a, b in itertools.pairwise(steady))
        assert steady[40].data[0] == 255 and steady[80].data[0] == 0
        assert cut.at == steady[-1].at and cut.data[0] == 77, \
            "a cut at a fade's end is a new look: it still goes out at once"
    finally:
        await room.close()
