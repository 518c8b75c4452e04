"""A controller restarted mid-show with `on_restart: resume` takes the show back without
touching the players that kept playing (issue 11): they get `clock` at once, never a
`load`, a `pause` or a preroll's wait; a player the clock does not reach gets `play` at
its position; a hold passed while the controller was down holds, players running on.
Two controllers on fake clocks share one state directory, over real UDP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from showctl.runstate import RunState
from tests.core.room import WALL0, Room, open_room

pytestmark = pytest.mark.timeout(30)
HOLD = {
    "id": "guide", "preroll": 0.5,
    "cues": [
        {"id": "1", "at": 0, "screens": "all", "play": {"media": "sky_{screen}.mp4"},
         "sound": {"media": "room.wav", "volume": -6}},
        {"id": "2", "at": 2.5, "hold": True},
        {"id": "3", "at": 3, "screens": "all", "black": {"fade": 0}},
    ],
}


async def room(tmp_path: Path, name: str, shows: list[dict[str, Any]] | None) -> Room:
    return await open_room(
        tmp_path / name, shows=shows, extra_devices=({"id": "sound", "kind": "audio"},),
        venue_extra={"on_restart": "resume", "state_dir": str(tmp_path / "var")},
        # at the instant (no lead): positions are checked exactly; tests/core/test_lead.py
        # has leads
        patch={**{d: {"latency": 0} for d in [f"screen{n}" for n in range(1, 9)] + [
            "lights", "sound"]}, "screen9": {"profile": "millumin", "latency": 0}})


async def crash(tmp_path: Path, show: str, until: float,
                shows: list[dict[str, Any]] | None = None) -> None:
    """Starts `show` (t=0 at MONO0 + its 0.5 s preroll) and abandons it at show time `until`."""
    first = await room(tmp_path, "before", shows)
    state = RunState(first.controller)
    state.start()
    first.controller.start(show, by="test")
    await first.clock.advance(0.5 + until)
    await first.close()


async def restart(tmp_path: Path, show_time: float,
                  shows: list[dict[str, Any]] | None = None) -> tuple[Room, str]:
    """A new controller whose wall clock says the show would be at `show_time`."""
    second = await room(tmp_path, "after", shows)
    second.clock.set_wall(WALL0 + 0.5 + show_time)
    done = RunState(second.controller).recover()
    await second.clock.advance(0)
    assert done is not None
    return second, done


def player_messages(rx: Any) -> list[tuple[str, tuple[Any, ...]]]:
    return [m for g in rx.got for m in g.messages if m[0].startswith("/showctl/player/")]


async def test_running_players_are_re_anchored_by_clock_without_reload_or_pause(tmp_path):
    await crash(tmp_path, "small", 1.2)
    after, done = await restart(tmp_path, 1.5)
    c = after.controller
    try:
        assert "rejoined at 1.500 s, players re-anchored by clock" in done
        assert c.state == "running" and c.status()["time"] == pytest.approx(1.5)
        assert c.status()["current_cue"]["id"] == "2"
        now_wall = after.clock.time()
        for n in range(1, 9):  # showctl players: one clock at once, nothing else
            got = after.rx[f"screen{n}"].got
            assert [(g.timetag, g.messages) for g in got] == [
                (pytest.approx(now_wall), [("/showctl/player/clock",
                                            (1.5, f"pano_{n}.mp4", pytest.approx(0.5)))])]
        # no clock for millumin: it is told to play at the position
        assert after.rx["screen9"].addresses("/showctl/player/") == []
        assert after.rx["screen9"].got, "screen9 got nothing"
        assert after.rx["lights"].addresses("/showctl/lights/cue") == [
            ("/showctl/lights/cue", ("house-out", 0.0))]
        screen4 = next(d for d in c.status()["devices"] if d["id"] == "screen4")
        assert screen4["output"] == {"state": "playing", "media": "pano_4.mp4",
                                     "position": 0.5}
        after.clear()
        await after.clock.advance(0.5)  # t=2.0: cue 3 plays f.mp4 on the front screens
        assert ("/showctl/player/play", ("f.mp4", 0.0)) in player_messages(after.rx["screen1"])
        assert ("/showctl/player/clock", (2.0, "pano_4.mp4", pytest.approx(1.0))) in \
            player_messages(after.rx["screen4"])
        assert not [m for m in player_messages(after.rx["screen4"])
                    if m[0].rsplit("/", 1)[1] in ("load", "pause", "play", "seek")]
        await after.clock.advance(1.6)
        assert c.state == "idle"
    finally:
        await after.close()


async def test_a_hold_passed_while_down_holds_with_the_players_running_on(tmp_path):
    await crash(tmp_path, "guide", 1.2, [HOLD])
    after, done = await restart(tmp_path, 5.0, [HOLD])  # the hold at 2.5 came at 2.5
    c = after.controller
    try:
        assert "holding at 2.500 s (players kept playing), waiting for GO" in done
        assert c.state == "holding" and c.status()["time"] == 2.5
        assert player_messages(after.rx["screen3"]) == [
            ("/showctl/player/clock", (2.5, "sky_3.mp4", pytest.approx(5.0)))]
        assert player_messages(after.rx["sound"]) == [
            ("/showctl/player/volume", (-6.0, 0.0)),
            ("/showctl/player/clock", (2.5, "room.wav", pytest.approx(5.0)))]
        after.clear()
        await after.clock.advance(1.0)  # the hold's clock: positions move on
        assert player_messages(after.rx["screen3"]) == [
            ("/showctl/player/clock", (2.5, "sky_3.mp4", pytest.approx(6.0, abs=1e-3)))]
        c.go(by="test")
        await after.clock.advance(0.6)  # cue 3, 0.5 s after GO: black
        assert ("/showctl/player/black", (0.0,)) in player_messages(after.rx["screen3"])
    finally:
        await after.close()


async def test_a_restart_during_a_hold_holds_again(tmp_path):
    await crash(tmp_path, "guide", 3.0, [HOLD])  # held at 2.5 since 0.5 s
    after, done = await restart(tmp_path, 10.0, [HOLD])
    try:
        assert "holding at 2.500 s" in done and after.controller.state == "holding"
        assert player_messages(after.rx["screen1"]) == [
            ("/showctl/player/clock", (2.5, "sky_1.mp4", pytest.approx(10.0)))]
    finally:
        await after.close()


async def test_a_restart_in_the_preroll_keeps_t0(tmp_path):
    await crash(tmp_path, "small", -0.3)
    after, done = await restart(tmp_path, -0.2)
    try:
        assert "t=0 in 0.200 s as planned" in done
        assert after.controller.state == "prerolling"
        await after.clock.advance(0.19)
        assert after.controller.state == "prerolling"
        await after.clock.advance(0.02)
        assert after.controller.state == "running"
    finally:
        await after.close()
