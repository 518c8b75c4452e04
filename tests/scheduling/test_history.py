"""The run history, fed by a real controller and runner on a FakeClock."""

from __future__ import annotations

from datetime import datetime

from showctl.core.events import EventBus
from showctl.history import History
from tests.scheduling.room import PARIS, open_schedule


def wall(hh_mm_ss: str) -> float:
    h, m, s = (int(x) for x in hh_mm_ss.split(":"))
    return datetime(2026, 5, 4, h, m, s, tzinfo=PARIS).timestamp()


async def test_runs_skips_and_who_started_them_are_recorded(tmp_path):
    schedule = {"shows": [{"show": "small", "times": ["10:00", "10:30"]}]}
    setup = await open_schedule(tmp_path, schedule, datetime(2026, 5, 4, 9, 0), history=True)
    setup.controller.start("night", by="operator:alice")
    await setup.clock.advance(2)
    setup.controller.stop(0, by="operator:alice")
    await setup.clock.advance(3600 + 600)  # 10:10: the 10:00 show has run
    setup.controller.hold_schedule(by="operator:alice")
    await setup.clock.advance(1800)  # 10:40: the 10:30 start was skipped
    everything = setup.history.recent()
    since_930 = setup.history.recent(since=wall("09:30:00"))
    newest = setup.history.recent(limit=1)
    await setup.close()

    reopened = History(setup.history.path, EventBus(), setup.clock)
    await reopened.start()
    kept = reopened.recent()
    await reopened.stop()

    assert [(r["kind"], r["show"], r["by"], r["outcome"], r["reason"]) for r in everything] == [
        ("skip", "small", "schedule", None, "the schedule is held"),
        ("run", "small", "schedule", "completed", None),
        ("run", "night", "operator:alice", "stopped", None),
    ]
    skip, scheduled_run, manual = everything
    assert skip["scheduled"] == wall("10:30:00")
    # a run starts when its t=0 comes: the scheduled instant, not the preload 10 s before
    assert (scheduled_run["start"], scheduled_run["scheduled"]) == (wall("10:00:00"),) * 2
    assert scheduled_run["end"] == wall("10:00:03") + 0.5  # last cue at 3 s, 0.5 s fade
    assert (manual["start"], manual["end"]) == (wall("09:00:00") + 0.5, wall("09:00:02"))
    assert manual["scheduled"] is None
    assert since_930 == everything[:2] and newest == everything[:1]
    assert kept == everything
    assert setup.history.path.parent == tmp_path / "var"


async def test_a_miss_reported_again_after_a_restart_is_kept_once(tmp_path):
    schedule = {"shows": [{"show": "small", "times": ["09:00"]}]}
    for _ in range(2):  # two restarts after the 09:00 start, neither history has a run
        setup = await open_schedule(tmp_path, schedule, datetime(2026, 5, 4, 9, 30),
                                    history=True)
        rows = setup.history.recent()
        await setup.close()
    assert [(r["kind"], r["scheduled"]) for r in rows] == [("miss", wall("09:00:00"))]


async def test_a_run_left_open_by_a_killed_controller_is_closed_as_interrupted(tmp_path, caplog):
    schedule = {"shows": []}
    setup = await open_schedule(tmp_path, schedule, datetime(2026, 5, 4, 9, 0), history=True)
    setup.controller.start("small", by="operator:alice")
    await setup.clock.advance(1)
    await setup.history.stop()  # kill -9: the run's end is never recorded
    await setup.runner.stop()
    await setup.controller.close()

    clock = setup.clock
    clock.set_wall(wall("09:05:00"))
    reopened = History(setup.history.path, EventBus(), clock, "Europe/Paris")
    await reopened.start()
    [row] = reopened.recent()
    await reopened.stop()
    assert (row["outcome"], row["end"]) == ("interrupted", wall("09:05:00"))
    assert row["start"] == wall("09:00:00") + 0.5
    # the venue's clock in the log, as in the schedule's lines, whatever the machine's zone
    assert "started 2026-05-04 09:00:00 CEST never ended" in caplog.text
