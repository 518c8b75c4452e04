"""Whole weeks of schedule on a FakeClock, through the real controller and engine: every
show's first cue must take effect exactly at its scheduled instant, DST weeks included."""

from __future__ import annotations

import time
from datetime import datetime

from tests.scheduling.room import open_schedule
from tests.scheduling.test_calendar import AUTUMN, SPRING, WEEK

WEEK_SECONDS = 7 * 86400


async def test_spring_week_starts_every_show_on_time(tmp_path):
    setup = await open_schedule(tmp_path, WEEK, datetime(2026, 3, 23, 0, 0))
    began = time.perf_counter()
    await setup.clock.advance(WEEK_SECONDS)
    elapsed = time.perf_counter() - began
    await setup.clock.advance(60)  # Monday 30 March, 00:01: "today" has moved on
    info = setup.controller.status()["schedule"]
    await setup.close()
    assert setup.firsts() == SPRING
    assert len(setup.runs("end")) == len(SPRING)
    assert all(r["outcome"] == "completed" and r["by"] == "schedule" for r in setup.runs("end"))
    assert setup.runs("skip") == [] and setup.runs("miss") == []
    # nothing waits in real time (speed is bench/'s to measure: 1 s failed at load ~12)
    assert elapsed < 10, f"a FakeClock week took {elapsed:.1f} s"
    assert info["next"] == {"at": "2026-03-30T02:30:00+02:00", "show": "night",
                            "title": "Night show", "warning": None}
    assert [(t["at"][:16], t["status"]) for t in info["today"][:2]] == [
        ("2026-03-30T02:30", "due"), ("2026-03-30T10:00", "due")]


async def test_autumn_week_runs_the_repeated_hour_once(tmp_path):
    setup = await open_schedule(tmp_path, WEEK, datetime(2026, 10, 19, 0, 0))
    await setup.clock.advance(WEEK_SECONDS)
    await setup.close()
    assert setup.firsts() == AUTUMN


async def test_show_is_loaded_at_the_preload_instant(tmp_path):
    schedule = {"shows": [{"show": "small", "times": ["10:00"]}], "policy": {"preload": 15}}
    setup = await open_schedule(tmp_path, schedule, datetime(2026, 5, 4, 9, 0))
    await setup.clock.advance(3600 - 15.001)
    assert setup.controller.state == "idle"
    await setup.clock.advance(0.002)
    assert setup.controller.state == "prerolling"
    await setup.clock.advance(15)
    assert setup.controller.state == "running"
    status = setup.controller.status()["schedule"]
    await setup.close()
    assert status["today"] == [
        {"at": "2026-05-04T10:00:00+02:00", "show": "small", "title": "Small test show",
         "status": "done", "outcome": None}]  # running: no outcome yet
    assert status["next"] == {"at": "2026-05-05T10:00:00+02:00", "show": "small",
                              "title": "Small test show", "warning": None}


async def test_jobs_list_the_next_start_of_each_show(tmp_path):
    setup = await open_schedule(tmp_path, WEEK, datetime(2026, 3, 28, 12, 10))
    jobs = [(job.name, job.next_run_time.isoformat()) for job in setup.runner.jobs()]
    await setup.close()
    assert jobs == [("small", "2026-03-28T12:30:00+01:00"),
                    ("night", "2026-03-29T03:00:00+02:00")]
