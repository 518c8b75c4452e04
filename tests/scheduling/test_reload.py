"""A saved schedule.yaml applies without a restart; a bad one is refused whole, its
errors logged as path:line:col, and the schedule in force keeps running."""

from __future__ import annotations

import logging
import re
from datetime import datetime

from tests.scheduling.room import open_schedule, schedule_yaml

BEFORE = {"shows": [{"show": "small", "times": ["10:00", "11:00"]}]}
AFTER = {"shows": [{"show": "night", "times": ["10:30"]}]}
BAD = """shows:
  - show: small
    times: ["10:00", "10:15"]
  - show: nosuchshow
    times: ["10:20"]
"""


async def test_saved_schedule_is_applied_by_the_watch(tmp_path):
    setup = await open_schedule(tmp_path, BEFORE, datetime(2026, 5, 4, 9, 0), poll_every=2)
    setup.write_schedule(schedule_yaml(AFTER))
    await setup.clock.advance(3)
    jobs = [(job.name, f"{job.next_run_time:%H:%M}") for job in setup.runner.jobs()]
    await setup.clock.advance(2 * 3600)
    await setup.close()
    assert jobs == [("night", "10:30")]
    assert setup.firsts() == ["2026-05-04T10:30:00+02:00 night"]


async def test_bad_schedule_is_refused_and_the_old_one_keeps_running(tmp_path, caplog):
    setup = await open_schedule(tmp_path, BEFORE, datetime(2026, 5, 4, 9, 0), poll_every=2)
    path = setup.write_schedule(BAD)
    with caplog.at_level(logging.ERROR, logger="showctl.scheduling"):
        await setup.clock.advance(3)
    await setup.clock.advance(2 * 3600)
    await setup.close()
    logged = [m["message"] for _, kind, m in setup.events if kind == "log"]
    expected = f"file rejected: {path}:4:11: no show 'nosuchshow'"
    assert any(line.startswith(expected) for line in logged), logged
    assert any(r.getMessage().startswith(expected) for r in caplog.records)
    assert setup.firsts() == ["2026-05-04T10:00:00+02:00 small", "2026-05-04T11:00:00+02:00 small"]


async def test_explicit_reload_returns_the_errors(tmp_path):
    setup = await open_schedule(tmp_path, BEFORE, datetime(2026, 5, 4, 9, 0))
    path = setup.write_schedule("shows: [{show: small, times: ['25:00']}]\n")
    errors = await setup.runner.reload()
    jobs_after_bad = [f"{job.next_run_time:%H:%M}" for job in setup.runner.jobs()]
    setup.write_schedule(schedule_yaml(AFTER))
    assert await setup.runner.reload() == []
    jobs_after_good = [job.name for job in setup.runner.jobs()]
    await setup.close()
    assert len(errors) == 1 and re.match(rf"{re.escape(str(path))}:1:\d+: .*25:00", errors[0])
    assert jobs_after_bad == ["10:00"]
    assert jobs_after_good == ["night"]


async def test_a_huge_number_in_the_schedule_is_refused_and_the_watch_goes_on(tmp_path):
    setup = await open_schedule(tmp_path, BEFORE, datetime(2026, 5, 4, 9, 0), poll_every=2)
    path = setup.write_schedule("shows:\n  - show: small\n    times: ['10:00']\n"
                                f"policy: {{missed_grace: {'9' * 5000}}}\n")
    await setup.clock.advance(3)
    rejected = setup.controller.status()["files"]["rejected"]
    setup.write_schedule(schedule_yaml(AFTER))  # a later edit is still applied
    await setup.clock.advance(3)
    jobs = [(job.name, f"{job.next_run_time:%H:%M}") for job in setup.runner.jobs()]
    await setup.close()
    assert [r["errors"] for r in rejected] == [[
        f"{path}:4:24: a number of 5000 digits: at most 32 characters (write text in quotes)"]]
    assert jobs == [("night", "10:30")]
