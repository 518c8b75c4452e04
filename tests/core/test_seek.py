"""Seek: every screen ends up showing what it should at the new playhead, mid-clip
screens from the right offset, and the timeline carries on from there."""

import pytest

from tests.core.room import LEAD, MONO0, WALL0, open_room
from tests.core.shows import SEEK_SHOW


@pytest.fixture
async def room(tmp_path):
    room = await open_room(tmp_path, shows=[SEEK_SHOW])
    yield room
    await room.close()


def last(room, device):
    return room.rx[device].without_clock()[-1]


async def running_at(room, t: float) -> float:
    """Show running at show time `t`; returns the monotonic t0."""
    c = room.controller
    c.load("seeky", by="test")
    c.go(by="test")
    await room.clock.advance(0.5 + t)
    room.clear()
    return MONO0 + 0.5


async def test_seek_while_running_plays_each_screen_from_its_offset(room):
    c, clock = room.controller, room.clock
    await running_at(room, 5.0)
    c.seek(35.0, by="test")
    sought = clock.monotonic()
    await clock.advance(0)
    for n in (1, 2):
        got = last(room, f"screen{n}")
        assert got.messages == [("/showctl/player/play", (f"two_{n}.mp4", 105.0))]
        assert got.timetag == pytest.approx(WALL0 - MONO0 + sought + LEAD, abs=1e-6)
    for n in range(3, 10):  # already playing the right clip: a seek is enough
        assert last(room, f"screen{n}").messages == [("/showctl/player/seek", (33.0,))]
    assert last(room, "lights").messages == [("/showctl/lights/cue", ("look-a", 0.0))]
    status = c.status()
    assert status["time"] == 35.0 and status["current_cue"]["id"] == "3"
    assert status["next_cue"]["id"] == "4"
    await clock.advance(2.0 + LEAD)  # the seek, and the timeline with it, acts a lead on
    assert c.status()["devices"][0]["output"] == {
        "state": "playing", "media": "two_1.mp4", "position": 107.0}
    await clock.advance(3.0)
    assert room.kinds("cue")[-1]["cue"] == "4" and room.events[-1][0] == sought + LEAD + 5.0


async def test_seek_to_a_cue_id_and_paused_or_black_screens(room):
    c, clock = room.controller, room.clock
    await running_at(room, 5.0)
    c.seek("cue:5", by="test")  # t=50: screen3 frozen since 40, screen5 black
    await clock.advance(0)
    assert c.status()["time"] == 50.0
    assert last(room, "screen3").messages == [("/showctl/player/load", ("all_3.mp4", 38.0))]
    assert last(room, "screen5").messages == [("/showctl/player/black", (0.0,))]
    assert last(room, "screen4").messages == [("/showctl/player/seek", (48.0,))]
    assert last(room, "lights").messages == [("/showctl/lights/cue", ("look-b", 0.0))]


async def test_seek_before_any_clip_cues_the_first_media(room):
    c, clock = room.controller, room.clock
    await running_at(room, 5.0)
    c.seek(1.0, by="test")
    await clock.advance(0)
    assert last(room, "screen7").messages == [("/showctl/player/load", ("all_7.mp4", 0.0))]
    await clock.advance(1.0 + LEAD)
    assert room.kinds("cue")[-1]["cue"] == "2"


async def test_seek_while_paused_cues_up_and_resume_plays_from_there(room):
    c, clock = room.controller, room.clock
    await running_at(room, 5.0)
    c.pause(by="test")
    c.seek(32.0, by="test")
    await clock.advance(10.0)
    assert c.state == "paused" and c.status()["time"] == 32.0
    assert last(room, "screen1").messages == [("/showctl/player/load", ("two_1.mp4", 102.0))]
    assert last(room, "screen6").messages == [("/showctl/player/load", ("all_6.mp4", 30.0))]
    room.clear()
    resumed = clock.monotonic()
    c.resume(by="test")
    await clock.advance(0)
    assert all(rx.addresses() == [("/showctl/player/resume", ())]
               for d, rx in room.rx.items() if d.startswith("screen"))
    await clock.advance(8.0 + LEAD)
    assert room.kinds("cue")[-1]["cue"] == "4" and room.events[-1][0] == resumed + LEAD + 8.0


async def test_go_from_a_seek_in_loaded_state_starts_mid_show(room):
    c, clock = room.controller, room.clock
    c.load("seeky", by="test")
    c.seek(45.0, by="test")
    await clock.advance(0)
    assert last(room, "screen1").messages == [("/showctl/player/load", ("two_1.mp4", 115.0))]
    room.clear()
    c.go(by="test")  # preroll 0.5 s since load has passed? no: nothing advanced yet
    assert c.state == "prerolling" and c.status()["time"] == 44.5
    await clock.advance(0.5)
    assert c.state == "running"
    got = last(room, "screen2")
    assert got.messages == [("/showctl/player/play", ("two_2.mp4", 115.0))]
    assert got.at == pytest.approx(MONO0 + 0.5 - LEAD)
    assert got.timetag == pytest.approx(WALL0 + 0.5, abs=1e-6)
    assert last(room, "screen3").messages == [("/showctl/player/load", ("all_3.mp4", 38.0))]
    await clock.advance(5.0)
    assert room.kinds("cue")[-1]["cue"] == "5"
    assert [e["cue"] for e in room.kinds("cue")] == ["5"]


async def test_seek_while_prerolling_moves_the_start_point(room):
    c, clock = room.controller, room.clock
    c.load("seeky", by="test")
    c.go(by="test")  # t=0 at MONO0 + 0.5
    c.seek(31.0, by="test")
    await clock.advance(0)
    assert c.state == "prerolling" and c.status()["time"] == 30.5
    assert last(room, "screen1").messages == [("/showctl/player/load", ("two_1.mp4", 101.0))]
    await clock.advance(0.5)
    assert c.state == "running"
    assert last(room, "screen1").messages == [("/showctl/player/play", ("two_1.mp4", 101.0))]
    await clock.advance(9.0)
    assert [e["cue"] for e in room.kinds("cue")] == ["4"]


async def test_seek_while_holding_cues_up_and_go_plays_from_there(tmp_path):
    from tests.core.shows import HOLD_SHOW

    room = await open_room(tmp_path, shows=[HOLD_SHOW])
    try:
        c, clock = room.controller, room.clock
        c.start("holdy", by="test", at=MONO0)
        await clock.advance(10.0)
        assert c.state == "holding"
        c.seek(15.0, by="test")
        await clock.advance(0)
        assert c.state == "holding" and c.status()["time"] == 15.0
        assert last(room, "screen2").messages == [("/showctl/player/load", ("b_2.mp4", 8.0))]
        went = clock.monotonic()
        c.go(by="test")
        await clock.advance(0)
        assert last(room, "screen2").messages == [("/showctl/player/resume", ())]
        await clock.advance(5.0 + LEAD)
        assert room.kinds("cue")[-1]["cue"] == "4" and room.events[-1][0] == went + LEAD + 5.0
    finally:
        await room.close()


@pytest.mark.timeout(20)  # the old dispatcher span here until the suite's timeout killed it
async def test_a_hold_with_no_player_playing_waits_and_clocks_a_player_started_in_it(tmp_path):
    """Held after a seek, every player only loaded: the hold's drift clock has nobody to
    tell. It must wait for the next second, not build second after second ahead for ever
    (the loop froze), and a cue fired in the hold gets its players their clock."""
    from tests.core.shows import HOLD_SHOW

    room = await open_room(tmp_path, shows=[HOLD_SHOW])
    try:
        c, clock = room.controller, room.clock
        c.start("holdy", by="test", at=MONO0)
        await clock.advance(10.0)
        c.seek(15.0, by="test")
        await clock.advance(3.0)
        assert c.state == "holding" and c.status()["time"] == 15.0
        room.clear()
        c.fire("3", by="test")  # plays b_1/b_2 from 5 s: the hold goes on
        await clock.advance(2.5)
        clocks = [g for g in room.rx["screen1"].got
                  if g.messages[0][0] == "/showctl/player/clock"]
        assert len(clocks) == 2 and c.state == "holding", room.rx["screen1"].got
        assert room.rx["screen3"].got == []  # not in cue 3: loaded, told nothing
    finally:
        await room.close()
