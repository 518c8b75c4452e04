"""A controller restarted mid-show knows it (SPEC 5): resume at the right position, or
go to the safe state, as `venue.on_restart` says. Two controllers on fake clocks share
one state directory: the first "crashes" during the show, the second starts."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from showctl.cli.run import JsonLines
from showctl.core.clock import FakeClock
from showctl.runstate import RunState
from tests.core.room import LEAD
from tests.osc.rig import rig_with

pytestmark = pytest.mark.timeout(30)
WALL = 1_800_000_000.0


async def crash_during_show(tmp_path: Path, policy: str) -> float:
    """Plays `small` to t=1.2 and abandons it; returns the wall instant of t=0."""
    async with rig_with(tmp_path, FakeClock(wall=WALL), on_restart=policy) as rig:
        state = RunState(rig.controller)
        state.start()
        rig.controller.start("small", by="test")
        await rig.clock.advance(0.5 + 1.2)
        record = state.read()
        assert record is not None and record["state"] == "running" and record["show"] == "small"
        assert record["t0_wall"] == pytest.approx(WALL + 0.5, abs=1e-6)
        return record["t0_wall"]


async def test_resume_continues_where_the_show_would_be(tmp_path: Path) -> None:
    t0_wall = await crash_during_show(tmp_path, "resume")
    async with rig_with(tmp_path, FakeClock(wall=WALL + 2.0), on_restart="resume") as rig:
        state = RunState(rig.controller)
        state.start()
        done = state.recover()
        assert done is not None and "rejoined at 1.500 s" in done
        assert rig.controller.state == "running"  # at once: players kept playing
        expected = rig.clock.time() - t0_wall
        assert rig.controller.status()["time"] == pytest.approx(expected, abs=0.002)
        assert rig.controller.status()["current_cue"]["id"] == "2"
        # pano_5 started at t=1: told where it must be, not reloaded (tests/service/test_rejoin.py)
        # (for the instant it acts: a lead on, docs/engine.md)
        assert await rig.screens["screen5"].wait_for("/showctl/player/clock") == (
            pytest.approx(1.5 + LEAD), "pano_5.mp4", pytest.approx(0.5 + LEAD))
        await rig.clock.advance(0.6)
        assert rig.controller.status()["current_cue"]["id"] == "3"
        await rig.clock.advance(1.5)
        assert rig.controller.state == "idle"  # and it ended as it would have
        assert state.read()["state"] == "idle"


async def test_safe_policy_goes_black(tmp_path: Path) -> None:
    await crash_during_show(tmp_path, "safe")
    async with rig_with(tmp_path, FakeClock(wall=WALL + 2.0), on_restart="safe") as rig:
        state = RunState(rig.controller)
        state.start()
        assert "screens black, safe look" in (state.recover() or "")
        assert rig.controller.state == "idle"
        for n in range(1, 10):
            assert await rig.screens[f"screen{n}"].wait_for("/showctl/player/black") == (0.0,)
        assert (await rig.screens["lights"].wait_for("/showctl/lights/cue"))[0] == "house-up"


async def test_a_show_that_would_have_ended_is_not_resumed(tmp_path: Path) -> None:
    await crash_during_show(tmp_path, "resume")
    async with rig_with(tmp_path, FakeClock(wall=WALL + 60), on_restart="resume") as rig:
        state = RunState(rig.controller)
        state.start()
        assert "would have ended" in (state.recover() or "")
        assert rig.controller.state == "idle"


async def test_nothing_to_do_after_a_clean_stop(tmp_path: Path) -> None:
    async with rig_with(tmp_path, on_restart="resume") as rig:
        state = RunState(rig.controller)
        assert state.recover() is None  # no file yet
        state.start()
        rig.controller.start("small", by="test")
        await rig.clock.advance(0.1)
        rig.controller.stop(0, by="test")
        await rig.clock.advance(0.1)
        assert state.read()["state"] == "idle" and state.recover() is None


def test_json_log_lines() -> None:
    record = logging.LogRecord("showctl", logging.WARNING, __file__, 1, "cue %s", ("2",), None)
    line = json.loads(JsonLines().format(record))
    assert line["level"] == "warning" and line["message"] == "cue 2"
    assert line["logger"] == "showctl" and isinstance(line["time"], float)


async def test_a_paused_show_is_cued_and_waits_for_go(tmp_path: Path) -> None:
    async with rig_with(tmp_path, FakeClock(wall=WALL), on_restart="resume") as rig:
        state = RunState(rig.controller)
        state.start()
        rig.controller.start("small", by="test")
        await rig.clock.advance(0.5 + 2.25)
        rig.controller.pause(by="test")
        await rig.clock.advance(0.1)
        assert state.read()["state"] == "paused"
    async with rig_with(tmp_path, FakeClock(wall=WALL + 30), on_restart="resume") as rig:
        state = RunState(rig.controller)
        state.start()
        paused_at = 2.25 + LEAD  # a pause acts a lead after the command (docs/engine.md)
        assert f"cued at {paused_at:.3f} s, waiting for GO" in (state.recover() or "")
        assert rig.controller.state == "loaded"
        assert rig.controller.status()["time"] == pytest.approx(paused_at, abs=0.001)


@pytest.mark.parametrize("policy", ["safe", "resume"])
async def test_after_a_recovery_to_safe_the_next_restart_has_nothing_to_recover(
        tmp_path: Path, policy: str) -> None:
    await crash_during_show(tmp_path, policy)
    late = 2.0 if policy == "safe" else 60.0  # resume: the show would have ended by then
    async with rig_with(tmp_path, FakeClock(wall=WALL + late), on_restart=policy) as rig:
        state = RunState(rig.controller)
        state.start()
        assert "safe look" in (state.recover() or "")
        await rig.clock.advance(0.1)
        assert state.read()["state"] == "idle"
        state.stop()
    async with rig_with(tmp_path, FakeClock(wall=WALL + 120), on_restart="resume") as rig:
        state = RunState(rig.controller)
        state.start()
        assert state.recover() is None  # a show dead for two restarts is not resumed
        assert rig.controller.state == "idle"


async def test_the_restart_names_the_show_by_its_title_or_by_its_id(tmp_path: Path) -> None:
    """status()["restart"]: the id for integrators, a title for people (the dashboard's
    banner); the id again for a show no longer in the library."""
    await crash_during_show(tmp_path, "safe")
    async with rig_with(tmp_path, FakeClock(wall=WALL + 2.0), on_restart="safe") as rig:
        state = RunState(rig.controller)
        left = state.read()
        state.recover()
        restart = rig.controller.status()["restart"]
        assert (restart["show"], restart["title"], restart["state"]) == (
            "small", "Small test show", "running")
        state.path.write_text(json.dumps({**left, "show": "retired"}))  # its file is gone
        state.recover()
        restart = rig.controller.status()["restart"]
        assert (restart["show"], restart["title"]) == ("retired", "retired")
