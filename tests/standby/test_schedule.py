"""A takeover mid-day: the new active controller's schedule adopts the starts the other
one decided (its replicated `schedule.today`), so none runs twice and none is lost."""

from __future__ import annotations

from showctl.core.clock import FakeClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.scheduling.runner import ScheduleRunner
from tests.scheduling.room import open_schedule
from tests.scheduling.test_restart import TWO_CLOSE, local, wall


async def taken_over(tmp_path, adopt: bool) -> tuple[list[float], list[dict]]:
    """A runs the 16:45 start and dies at 16:45:20; B (its own files, clock at A's
    instant) takes over with or without A's decisions; B's starts until 16:47:30."""
    active = await open_schedule(tmp_path / "a", TWO_CLOSE, local(16, 44))
    await active.clock.advance(60 + 20)
    today = active.controller.status()["schedule"]["today"]
    await active.close()
    clock = FakeClock(wall=active.clock.time())
    standby = Controller(load_config(active.venue_path), clock)
    starts: list[float] = []  # the wall instants B started a run
    standby.bus.subscribe(lambda e: starts.append(clock.time()) if e.kind == "run"
                          and e.data["event"] == "start" else None)
    runner = ScheduleRunner(standby, clock)
    if adopt:
        runner.adopt(today)
    await runner.start()
    await clock.advance(130)
    await runner.stop()
    if standby.state != "idle":
        standby.panic(by="test")
    await standby.close()
    return starts, today


async def test_the_new_active_controller_does_not_start_a_decided_start_again(tmp_path):
    starts, today = await taken_over(tmp_path, adopt=True)
    assert (today[0]["at"][11:16], today[0]["status"]) == ("16:45", "done")
    # 16:47 only (at its preload), by the new active one; 16:45 was A's
    assert [round(at - wall(16, 47)) for at in starts] == [-10]


async def test_without_the_decisions_the_start_would_run_twice(tmp_path):
    starts, _ = await taken_over(tmp_path, adopt=False)
    # 16:45 again, late within its grace, at once (the control: what adopt prevents)
    assert [round(at - wall(16, 45)) for at in starts] == [20]
