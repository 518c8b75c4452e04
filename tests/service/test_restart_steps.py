"""A controller restarted mid-show resumes where the show is, even when the wall clock
stepped while it was down: within one boot the monotonic clock says how long it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from showctl.core.clock import FakeClock
from showctl.runstate import RunState
from tests.osc.rig import rig_with

pytestmark = pytest.mark.timeout(30)
WALL = 1_800_000_000.0


async def crash_at_1_2(tmp_path: Path) -> None:
    """Plays `small` (preroll 0.5 s) to t=1.2, monotonic 1001.7, and abandons it."""
    clock = FakeClock(monotonic=1000.0, wall=WALL, boot="boot-a")
    async with rig_with(tmp_path, clock, on_restart="resume") as rig:
        state = RunState(rig.controller)
        state.start()
        rig.controller.start("small", by="test")
        await rig.clock.advance(0.5 + 1.2)
        assert (state.read() or {}).get("state") == "running"


@pytest.mark.parametrize("step", [3600.0, -3600.0])
async def test_a_step_while_down_does_not_shift_the_resume(tmp_path: Path, step: float) -> None:
    await crash_at_1_2(tmp_path)
    # 0.3 s later on the same boot; NTP stepped the wall clock meanwhile
    clock = FakeClock(monotonic=1002.0, wall=WALL + 2.0 + step, boot="boot-a")
    async with rig_with(tmp_path, clock, on_restart="resume") as rig:
        state = RunState(rig.controller)
        state.start()
        done = state.recover()
        assert done is not None and "rejoined at 1.500 s" in done, done
        assert rig.controller.state == "running"


async def test_after_a_reboot_the_wall_clock_is_all_there_is(tmp_path: Path) -> None:
    await crash_at_1_2(tmp_path)
    clock = FakeClock(monotonic=5.0, wall=WALL + 2.0, boot="boot-b")  # monotonic restarted
    async with rig_with(tmp_path, clock, on_restart="resume") as rig:
        state = RunState(rig.controller)
        state.start()
        done = state.recover()
        assert done is not None and "rejoined at 1.500 s" in done, done
