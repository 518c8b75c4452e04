"""Per-device latency, DMX fades through the ola profile, the escape hatch."""

import itertools

import pytest

from showctl.outputs.dmx import FRAME
from tests.core.room import LEAD, MONO0, WALL0, open_room

LEVELS_SHOW = {
    "id": "dmx",
    "preroll": 0,
    "cues": [
        {"id": "1", "at": 1, "name": "Up", "levels": {"channels": {1: 255, 2: 100}, "fade": 1}},
        {"id": "2", "at": 1.5, "name": "Three", "levels": {"channels": {3: 50}, "fade": 0.1}},
        {"id": "3", "at": 4, "name": "Down one", "levels": {"channels": {1: 0}, "fade": 0.5},
         "screens": [1], "play": {"media": "x.mp4"},
         "osc": {"device": "lights", "address": "/custom/go", "args": [1, "two"]}},
        {"id": "4", "at": 6, "name": "End", "screens": "all", "black": {"fade": 0}},
    ],
}


@pytest.fixture
async def room(tmp_path):
    room = await open_room(
        tmp_path, shows=[LEVELS_SHOW],
        extra_devices=({"id": "dimmers", "kind": "lighting", "profile": "ola", "universe": 3},),
        patch={"screen1": {"latency": 0.05}, "screen2": {"latency": 0.02}},
    )
    yield room
    await room.close()


def frames(room):
    """(show time, frame): ola frames are plain messages sent at their instant."""
    out = []
    for got in room.rx["dimmers"].got:
        (address, (blob,)), = got.messages
        assert address == "/dmx/universe/3" and len(blob) == 512 and got.timetag is None
        out.append((round(got.at - MONO0, 6), blob))
    return out


async def test_devices_with_latency_get_the_same_timetag_earlier(room):
    c, clock = room.controller, room.clock
    c.start("dmx", by="test", at=MONO0)
    await clock.advance(7.0)
    cue_at = MONO0 + 6.0
    tag = WALL0 - MONO0 + cue_at
    arrivals = {n: [g for g in room.rx[f"screen{n}"].without_clock() if g.timetag == tag]
                for n in (1, 2, 3)}
    assert arrivals[1][0].at == pytest.approx(cue_at - 0.05)
    assert arrivals[2][0].at == pytest.approx(cue_at - 0.02)
    assert arrivals[3][0].at == pytest.approx(cue_at - LEAD)  # the profile's default
    assert room.kinds("cue")[-1]["cue"] == "4"


async def test_ola_fades_stream_at_40hz_and_land_exactly_on_target(room):
    c, clock = room.controller, room.clock
    c.start("dmx", by="test", at=MONO0)
    await clock.advance(7.0)
    got = frames(room)
    times = [t for t, _ in got]
    assert times == sorted(times)
    up = [(t, b) for t, b in got if 1.0 <= t <= 2.0]
    assert up[0][0] == 1.0 and up[0][1][:3] == bytes([0, 0, 0])
    assert up[-1][0] == 2.0 and up[-1][1][:2] == bytes([255, 100])
    steps = [b - a for (a, _), (b, _) in itertools.pairwise(up)]
    assert all(s <= FRAME + 1e-9 for s in steps)
    half = dict(got)[1.5]
    assert half[0] == 128 and half[1] == 50  # linear: 255/2, 100/2
    three = [(t, b[2]) for t, b in got if 1.5 <= t <= 1.6]
    assert three[0] == (1.5, 0) and three[-1] == (1.6, 50)
    down = [(t, b) for t, b in got if t >= 4.0]
    assert down[-1][0] == 4.5 and down[-1][1][:3] == bytes([0, 100, 50])
    assert not [t for t in times if 2.0 < t < 4.0 and t not in (1.5,)], "idle: no frames"
    assert c.status()["lighting"]["levels"] == {"2": 100, "3": 50}  # as the show left them


async def test_levels_show_in_status_while_running(room):
    c, clock = room.controller, room.clock
    c.start("dmx", by="test", at=MONO0)
    await clock.advance(3.0)
    assert c.status()["lighting"]["levels"] == {"1": 255, "2": 100, "3": 50}


async def test_osc_escape_hatch_reaches_its_device_with_the_cue(room):
    c, clock = room.controller, room.clock
    c.start("dmx", by="test", at=MONO0)
    await clock.advance(4.5)
    osc = [g for g in room.rx["lights"].got if g.messages[0][0] == "/custom/go"]
    assert len(osc) == 1 and osc[0].messages == [("/custom/go", (1, "two"))]
    assert osc[0].at == pytest.approx(MONO0 + 4.0 - LEAD)
    assert osc[0].timetag == WALL0 + 4.0


async def test_stop_fades_dmx_to_the_safe_look(room):
    c, clock = room.controller, room.clock
    c.start("dmx", by="test", at=MONO0)
    await clock.advance(3.0)
    c.stop(1.0, by="test")
    await clock.advance(2.0)
    last_t, last = frames(room)[-1]
    # immediate commands take effect together once the slowest screen (50 ms) can act
    assert last_t == pytest.approx(3.0 + 0.05 + 1.0) and last[:3] == bytes(3)
    assert c.state == "idle"
