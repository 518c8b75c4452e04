"""Transport on the fake clock: hold, pause/resume, stop, panic from every state, and
refused commands that change nothing."""

import pytest

from showctl.core.errors import CommandError
from tests.core.room import LEAD, MONO0, open_room
from tests.core.shows import HOLD_SHOW

SCREENS = [f"screen{i}" for i in range(1, 10)]


@pytest.fixture
async def room(tmp_path):
    room = await open_room(tmp_path, shows=[HOLD_SHOW])
    yield room
    await room.close()


async def reach(room, state: str) -> None:
    """Brings the controller to `state` (show t=0 at MONO0 + 1), all sent and received."""
    await _reach(room, state)
    await room.clock.advance(0)


async def _reach(room, state: str) -> None:
    c, clock = room.controller, room.clock
    if state == "idle":
        return
    c.load("holdy", by="test")
    if state == "loaded":
        return
    c.go(by="test")
    if state == "prerolling":
        return
    await clock.advance(1.0 + 5.0)
    if state == "running":
        return
    if state == "paused":
        c.pause(by="test")
        return
    await clock.advance(5.0)
    if state == "holding":
        return
    c.stop(4.0, by="test")
    assert state == "stopping"


async def test_a_hold_cue_stops_the_timeline_until_go(room):
    c, clock = room.controller, room.clock
    await reach(room, "running")
    await clock.advance(5.0)
    assert c.state == "holding" and c.status()["time"] == 10.0
    await clock.advance(100.0)
    assert c.status()["time"] == 10.0 and [e["cue"] for e in room.kinds("cue")] == ["1", "2"]
    room.clear()
    go_at = clock.monotonic()
    c.go(by="test")
    assert c.state == "running"
    await clock.advance(2.0 + LEAD)
    # the timeline goes on once every device can resume together: a lead after GO
    assert room.kinds("cue")[0]["cue"] == "3" and room.events[-1][0] == go_at + LEAD + 2.0
    got = room.rx["screen2"].without_clock()
    assert got[0].messages == [("/showctl/player/play", ("b_2.mp4", 5.0))]
    assert got[0].at == pytest.approx(go_at + 2.0)


async def test_pause_freezes_show_time_and_players_resume_recomputes_deadlines(room):
    c, clock = room.controller, room.clock
    await reach(room, "running")  # t=5
    room.clear()
    c.pause(by="test")
    await clock.advance(0)
    assert c.state == "paused"
    for screen in SCREENS:
        assert room.rx[screen].addresses() == [("/showctl/player/pause", ())]
    await clock.advance(60.0)
    # the players pause a lead after the command, all together: the show time stops there
    assert c.status()["time"] == pytest.approx(5.0 + LEAD) and not room.kinds("cue")
    assert c.status()["devices"][0]["output"]["state"] == "paused"
    resumed = clock.monotonic()
    c.resume(by="test")
    await clock.advance(0)
    assert room.rx["screen1"].addresses("/showctl/player/resume") == [
        ("/showctl/player/resume", ())]
    await clock.advance(5.0)
    assert c.state == "holding" and room.kinds("cue")[-1]["cue"] == "2"
    assert [t for t, k, d in room.events if k == "cue"] == [resumed + 5.0]


async def test_stop_fades_screens_to_black_lights_to_safe_look_then_idle(room):
    c, clock = room.controller, room.clock
    await reach(room, "running")
    room.clear()
    stopped = clock.monotonic()
    c.stop(4.0, by="test")
    await clock.advance(0)
    assert c.state == "stopping"
    for screen in SCREENS:
        assert room.rx[screen].addresses() == [("/showctl/player/black", (4.0,))]
    assert room.rx["lights"].addresses() == [("/showctl/lights/cue", ("house-up", 4.0))]
    await clock.advance(3.999)
    assert c.state == "stopping"
    await clock.advance(0.001)
    assert c.state == "idle" and room.events[-1][0] == stopped + 4.0
    assert [d["state"] for d in room.kinds("state")] == ["stopping", "idle"]
    assert room.kinds("run")[-1] == {"show": "holdy", "by": "test", "event": "end",
                                     "outcome": "stopped", "reason": None, "ended_by": "test"}
    await clock.advance(30.0)
    assert not room.kinds("cue"), "nothing of the stopped show may play on"


async def test_go_from_a_hold_cue_arrives_at_that_hold(room):
    c, clock = room.controller, room.clock
    c.load("holdy", by="test")
    c.seek("cue:2", by="test")
    c.go(by="test")
    await clock.advance(1.0)  # preroll
    assert c.state == "holding" and c.status()["time"] == 10.0
    assert [e["cue"] for e in room.kinds("cue")] == ["2"]
    c.go(by="test")
    await clock.advance(2.0 + LEAD)
    assert c.state == "running" and [e["cue"] for e in room.kinds("cue")] == ["2", "3"]


async def test_stop_without_fade_uses_the_venue_safe_look_fade(room):
    await reach(room, "running")
    room.clear()
    room.controller.stop(by="test")
    await room.clock.advance(0)
    assert room.rx["screen1"].addresses() == [("/showctl/player/black", (3.0,))]


async def test_stop_from_loaded_unloads_at_once_with_the_safe_look(room):
    c = room.controller
    await reach(room, "loaded")
    room.clear()
    c.stop(3.0, by="test")
    assert c.state == "idle" and c.status()["show"] is None
    await room.clock.advance(0)
    assert room.rx["screen1"].addresses() == [("/showctl/player/black", (3.0,))]
    assert not room.kinds("run")  # nothing ran, so no run ended
    c.load("holdy", by="test")  # a show can be loaded again right away
    assert c.state == "loaded"


@pytest.mark.parametrize("fade", [-1.0, 600.5, 1e9, float("inf"), float("nan")])
async def test_a_stop_fade_outside_0_to_600_s_is_refused_and_changes_nothing(room, fade):
    c = room.controller
    await reach(room, "running")
    room.clear()
    with pytest.raises(CommandError, match="0 to 600 seconds"):
        c.stop(fade, by="test")
    await room.clock.advance(0)
    assert c.state == "running" and not room.rx["screen1"].addresses()


@pytest.mark.parametrize(
    "state", ["idle", "loaded", "prerolling", "running", "holding", "paused", "stopping"])
async def test_panic_from_every_state_ends_black_safe_look_idle(room, state):
    c, clock = room.controller, room.clock
    await reach(room, state)
    assert c.state == state
    room.clear()
    c.panic(by="test")
    await clock.advance(0)
    assert c.state == "idle"
    for screen in SCREENS:
        assert room.rx[screen].addresses() == [("/showctl/player/black", (0.0,))]
    assert room.rx["lights"].addresses() == [("/showctl/lights/cue", ("house-up", 0.0))]
    await clock.advance(60.0)
    assert not room.kinds("cue") and c.state == "idle"
    assert all(not rx.got[1:] for rx in room.rx.values())


REFUSED = [
    ("idle", "go"), ("idle", "pause"), ("idle", "resume"), ("idle", "stop"),
    ("idle", "seek"), ("idle", "fire"),
    ("loaded", "pause"), ("loaded", "resume"),
    ("prerolling", "load"), ("prerolling", "pause"), ("prerolling", "go"),
    ("running", "load"), ("running", "go"), ("running", "resume"),
    ("holding", "resume"), ("holding", "load"),
    ("paused", "go"), ("paused", "pause"), ("paused", "load"),
    ("stopping", "go"), ("stopping", "pause"), ("stopping", "resume"),  # (stop again: a cut)
    ("stopping", "seek"), ("stopping", "fire"), ("stopping", "load"),
]


@pytest.mark.parametrize(("state", "command"), REFUSED)
async def test_refused_commands_change_nothing(room, state, command):
    c, clock = room.controller, room.clock
    await reach(room, state)
    await clock.advance(0)
    room.clear()
    before = c.status()
    calls = {
        "go": lambda: c.go(by="t"), "pause": lambda: c.pause(by="t"),
        "resume": lambda: c.resume(by="t"), "stop": lambda: c.stop(1.0, by="t"),
        "seek": lambda: c.seek(3.0, by="t"), "fire": lambda: c.fire("1", by="t"),
        "load": lambda: c.load("holdy", by="t"),
    }
    with pytest.raises(CommandError, match=state if state != "idle" else "."):
        calls[command]()
    await clock.advance(0)
    assert c.status() == before
    assert not room.events
    assert all(not rx.got for rx in room.rx.values())


async def test_unknown_show_cue_and_bad_arguments_are_refused_with_reasons(room):
    c = room.controller
    with pytest.raises(CommandError, match=r"no show 'nope'.*holdy"):
        c.load("nope", by="t")
    c.load("holdy", by="t")
    with pytest.raises(CommandError, match="no cue '99'"):
        c.fire("99", by="t")
    with pytest.raises(CommandError, match="outside the show"):
        c.seek(1000.0, by="t")
    with pytest.raises(CommandError, match="neither a cue id nor a time"):
        c.seek("soon", by="t")
    for fade in (-1, float("inf"), float("nan")):
        with pytest.raises(CommandError, match="fade"):
            c.stop(fade, by="t")
    assert c.state == "loaded"


async def test_fire_sends_one_cue_now_without_moving_the_playhead(room):
    c, clock = room.controller, room.clock
    await reach(room, "running")  # t=5
    room.clear()
    c.fire("4", by="operator:ann")
    await clock.advance(0)
    assert c.status()["time"] == 5.0
    assert room.rx["screen3"].addresses() == [("/showctl/player/black", (2.0,))]
    assert room.kinds("cue")[0]["cue"] == "4"
    assert room.events[0][0] == clock.monotonic()


async def test_start_loads_and_goes_at_the_given_instant(room):
    c, clock = room.controller, room.clock
    c.start("holdy", by="schedule", at=MONO0 + 30.0)
    assert c.state == "prerolling" and c.status()["started_by"] == "schedule"
    await clock.advance(30.0)
    assert c.state == "running" and room.kinds("cue")[0]["cue"] == "1"
    assert [t for t, k, _ in room.events if k == "cue"] == [MONO0 + 30.0]


async def test_pause_during_a_hold_returns_to_the_hold(room):
    c, clock = room.controller, room.clock
    await reach(room, "holding")
    c.pause(by="test")
    await clock.advance(0)
    assert room.rx["screen4"].addresses()[-1] == ("/showctl/player/pause", ())
    c.resume(by="test")
    assert c.state == "holding"
    await clock.advance(30.0)
    assert room.kinds("cue")[-1]["cue"] == "2", "still held"
    went = clock.monotonic()
    c.go(by="test")
    await clock.advance(2.0 + LEAD)
    assert room.rx["screen4"].without_clock()[-1].messages == [("/showctl/player/resume", ())]
    assert room.kinds("cue")[-1]["cue"] == "3" and room.events[-1][0] == went + LEAD + 2.0


@pytest.mark.parametrize("state", ["prerolling", "running", "holding", "paused"])
async def test_stop_from_every_running_state(room, state):
    c, clock = room.controller, room.clock
    await reach(room, state)
    room.clear()
    c.stop(1.0, by="test")
    await clock.advance(0)
    assert c.state == "stopping"
    assert room.rx["screen5"].addresses() == [("/showctl/player/black", (1.0,))]
    await clock.advance(1.0)
    assert c.state == "idle" and c.show is None
    assert [r["outcome"] for r in room.kinds("run")] == ["stopped"]
    await clock.advance(30.0)
    assert not room.kinds("cue")
