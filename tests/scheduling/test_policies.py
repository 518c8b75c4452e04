"""What the runner decides when a start is due: busy (skip | queue), held, late."""

from __future__ import annotations

from datetime import datetime

from tests.scheduling.room import open_schedule

HALF_HOURLY_LONG = {"shows": [
    {"show": "long", "every": {"from": "10:00", "until": "12:00", "interval": "30m"}}]}


def skipped(setup) -> list[tuple[str, str]]:
    return [(r["scheduled"][11:16], r["reason"]) for r in setup.runs("skip")]


async def test_busy_skip_skips_starts_while_a_show_runs(tmp_path):
    schedule = {**HALF_HOURLY_LONG, "policy": {"if_busy": "skip"}}
    setup = await open_schedule(tmp_path, schedule, datetime(2026, 5, 4, 9, 0))
    await setup.clock.advance(4 * 3600)
    await setup.close()
    # 40-minute show: 10:00 runs to 10:40, so 10:30 is skipped; 11:00 runs, 11:30 skipped...
    assert [f[11:16] for f in setup.firsts()] == ["10:00", "11:00", "12:00"]
    assert skipped(setup) == [("10:30", "long still running"), ("11:30", "long still running")]


async def test_busy_queue_runs_the_start_when_the_show_ends(tmp_path):
    schedule = {**HALF_HOURLY_LONG, "policy": {"if_busy": "queue"}}
    setup = await open_schedule(tmp_path, schedule, datetime(2026, 5, 4, 9, 0))
    await setup.clock.advance(4 * 3600)
    await setup.close()
    # A queued start waits until the next start's preload. 10:30 runs when 10:00 ends
    # (10:40, plus its 1 s preroll) until 11:20:01; 11:00 then runs at 11:20:02 until
    # 12:00:02, so 11:30 is still waiting when 12:00 loads, and gives way to it.
    assert [f[11:19] for f in setup.firsts()] == ["10:00:00", "10:40:01", "11:20:02", "12:00:03"]
    assert skipped(setup) == [("11:30", "long still running")]


async def test_held_schedule_skips_until_released(tmp_path):
    schedule = {"shows": [{"show": "small", "times": ["10:00", "10:30", "11:00"]}]}
    setup = await open_schedule(tmp_path, schedule, datetime(2026, 5, 4, 9, 0))
    setup.controller.hold_schedule(by="operator:alice")
    await setup.clock.advance(3600 + 1800 - 60)  # 10:29
    setup.controller.release_schedule(by="operator:alice")
    await setup.clock.advance(3600)
    today = setup.controller.status()["schedule"]["today"]
    await setup.close()
    assert [f[11:16] for f in setup.firsts()] == ["10:30", "11:00"]
    assert skipped(setup) == [("10:00", "the schedule is held")]
    assert [t["status"] for t in today] == ["skipped", "done", "done"]


async def test_hold_during_the_preload_cancels_that_start(tmp_path):
    schedule = {"shows": [{"show": "small", "times": ["10:00"]}], "policy": {"preload": 10}}
    setup = await open_schedule(tmp_path, schedule, datetime(2026, 5, 4, 9, 59, 55))
    await setup.clock.advance(0)  # 09:59:55: loaded, t=0 at 10:00
    state_before = setup.controller.state
    setup.controller.hold_schedule(by="operator:alice")
    await setup.clock.advance(60)
    await setup.close()
    assert state_before == "prerolling"
    assert setup.controller.state == "idle"
    assert setup.firsts() == []
    assert skipped(setup) == [("10:00", "the schedule is held")]
    assert [r["outcome"] for r in setup.runs("end")] == ["stopped"]


async def test_missed_grace_after_downtime(tmp_path):
    schedule = {"shows": [{"show": "small", "times": ["09:00", "09:30", "10:00"]}],
                "policy": {"missed_grace": 60}}
    # The controller comes up at 10:00:40: 10:00 is 40 s late and still runs (after
    # its preroll); 09:00 and 09:30 were missed.
    setup = await open_schedule(tmp_path, schedule, datetime(2026, 5, 4, 10, 0, 40))
    await setup.clock.advance(10)
    await setup.close()
    assert setup.firsts() == ["2026-05-04T10:00:40.500000+02:00 small"]
    assert [(m["scheduled"][11:16], m["reason"]) for m in setup.runs("miss")] == [
        ("09:00", "the controller was not running"), ("09:30", "the controller was not running")]


async def test_a_start_later_than_the_grace_is_missed_not_run(tmp_path):
    schedule = {"shows": [{"show": "small", "times": ["10:00"]}],
                "policy": {"missed_grace": 30}}
    setup = await open_schedule(tmp_path, schedule, datetime(2026, 5, 4, 10, 0, 31))
    await setup.clock.advance(10)
    await setup.close()
    assert setup.firsts() == []
    assert [m["scheduled"] for m in setup.runs("miss")] == ["2026-05-04T10:00:00+02:00"]


async def test_history_limits_missed_starts_to_those_after_the_last_run(tmp_path):
    schedule = {"shows": [{"show": "small", "times": ["09:00", "09:30", "10:00"]}]}
    first = await open_schedule(tmp_path, schedule, datetime(2026, 5, 4, 8, 55), history=True)
    await first.clock.advance(10 * 60)  # 09:00 runs, then the controller goes down
    await first.close()
    again = await open_schedule(tmp_path, schedule, datetime(2026, 5, 4, 9, 45), history=True)
    rows = again.history.recent()
    await again.close()
    assert [(r["kind"], r["show"]) for r in rows] == [("miss", "small"), ("run", "small")]
    assert [m["scheduled"][11:16] for m in again.runs("miss")] == ["09:30"]
