"""A controller restarted during the day: what the schedule already decided (run, skipped,
missed) is read back from the history, never decided again, and shown as it was."""

from __future__ import annotations

import logging
from datetime import datetime

from tests.scheduling.room import PARIS, Setup, open_schedule

DAY = (2026, 11, 24)  # a Tuesday in winter: the venue is on CET (+01:00)
TWO_CLOSE = {"shows": [{"show": "long", "times": ["16:45", "16:47"]}],
             "policy": {"if_busy": "skip", "missed_grace": 60, "preload": 10}}


def local(h: int, m: int, s: int = 0) -> datetime:
    return datetime(*DAY, h, m, s)


def wall(h: int, m: int, s: int = 0) -> float:
    return local(h, m, s).replace(tzinfo=PARIS).timestamp()


async def sigterm(setup: Setup) -> None:
    """What `showctl run` does on SIGTERM: the scheduler stops, the show is panicked."""
    await setup.runner.stop()
    if setup.controller.state != "idle":
        setup.controller.panic(by="shutdown")
    await setup.clock.advance(0)
    await setup.close()


def today(setup: Setup) -> list[tuple[str, str]]:
    return [(s["at"][11:16], s["status"])
            for s in setup.controller.status()["schedule"]["today"]]


async def test_a_start_skipped_before_a_restart_is_not_run_after_it(tmp_path):
    first = await open_schedule(tmp_path, TWO_CLOSE, local(16, 44), history=True)
    await first.clock.advance(3 * 60 + 5)  # 16:47:05: 16:45 runs, 16:47 is skipped
    assert [r["reason"] for r in first.runs("skip")] == ["long still running"]
    await sigterm(first)

    again = await open_schedule(tmp_path, TWO_CLOSE, local(16, 47, 8), history=True)
    statuses = today(again)
    await again.clock.advance(120)
    rows = again.history.recent()
    await again.close()
    assert again.runs("start") == [] and again.runs("skip") == []
    assert statuses == [("16:45", "done"), ("16:47", "skipped")]
    assert [(r["kind"], r["scheduled"]) for r in rows] == [
        ("skip", wall(16, 47)), ("run", wall(16, 45))]


async def test_a_start_run_before_a_restart_within_its_grace_is_not_run_again(tmp_path):
    first = await open_schedule(tmp_path, TWO_CLOSE, local(16, 44), history=True)
    await first.clock.advance(60 + 20)  # 16:45:20: the 16:45 show is running
    await sigterm(first)
    again = await open_schedule(tmp_path, TWO_CLOSE, local(16, 45, 30), history=True)
    statuses = today(again)
    await again.clock.advance(60)  # 16:46:30: the 16:47 start is loading
    await again.clock.advance(30)  # 16:47:00: and runs
    await again.close()
    assert statuses == [("16:45", "done"), ("16:47", "due")]
    assert again.firsts() == ["2026-11-24T16:47:00+01:00 long"]


async def test_an_undecided_start_within_the_grace_still_runs_after_a_restart(tmp_path):
    first = await open_schedule(tmp_path, TWO_CLOSE, local(16, 40), history=True)
    await first.clock.advance(60)
    await sigterm(first)  # down at 16:41, before either start
    again = await open_schedule(tmp_path, TWO_CLOSE, local(16, 45, 30), history=True)
    await again.clock.advance(5)
    await again.close()
    assert again.firsts() == ["2026-11-24T16:45:31+01:00 long"]  # after its 1 s preroll


async def test_todays_statuses_come_back_from_the_history(tmp_path):
    schedule = {"shows": [{"show": "small", "times": ["09:00", "10:00", "10:30", "11:00"]}]}
    first = await open_schedule(tmp_path, schedule, local(9, 30), history=True)
    await first.clock.advance(40 * 60)  # 10:10: 09:00 missed, 10:00 ran
    first.controller.hold_schedule(by="operator:alice")
    await first.clock.advance(30 * 60)  # 10:40: 10:30 skipped (held)
    first.controller.release_schedule(by="operator:alice")
    before = today(first)
    await sigterm(first)
    again = await open_schedule(tmp_path, schedule, local(10, 45), history=True)
    after = today(again)
    await again.close()
    assert before == [("09:00", "missed"), ("10:00", "done"), ("10:30", "skipped"),
                      ("11:00", "due")]
    assert after == before
    assert again.runs("miss") == []  # nothing reported twice


async def test_a_scheduled_run_row_carries_its_start_and_its_t0(tmp_path):
    schedule = {"shows": [{"show": "small", "times": ["10:00"]}], "policy": {"preload": 10}}
    setup = await open_schedule(tmp_path, schedule, local(9, 59), history=True)
    await setup.clock.advance(2 * 60)
    setup.controller.start("night", by="operator:alice")  # by hand, at 10:01:00
    await setup.clock.advance(60)
    rows = setup.history.recent()
    await setup.close()
    manual, scheduled = rows
    assert (scheduled["by"], scheduled["scheduled"]) == ("schedule", wall(10, 0))
    assert scheduled["start"] == wall(10, 0)  # t=0 came at the start, not at the preload
    assert (manual["by"], manual["scheduled"]) == ("operator:alice", None)
    assert manual["start"] == wall(10, 1) + 0.5  # after its 0.5 s preroll


async def test_a_late_start_is_recorded_at_its_t0(tmp_path):
    schedule = {"shows": [{"show": "small", "times": ["10:00"]}], "policy": {"missed_grace": 60}}
    setup = await open_schedule(tmp_path, schedule, local(10, 0, 20), history=True)
    await setup.clock.advance(10)
    [row] = setup.history.recent()
    await setup.close()
    assert row["scheduled"] == wall(10, 0)
    assert row["start"] == wall(10, 0, 20) + 0.5


async def test_missed_starts_are_one_log_line_with_the_venue_offset(tmp_path, caplog):
    every = {"shows": [{"show": "small", "every": {"from": "10:00", "until": "16:00",
                                                     "interval": "30m"}}]}
    caplog.set_level(logging.INFO)
    setup = await open_schedule(tmp_path, every, local(16, 26), history=True)
    misses = setup.runs("miss")
    logs = [d["message"] for _, kind, d in setup.events if kind == "log"]
    await setup.close()
    assert len(misses) == 13  # every one is in the history
    lines = [r.getMessage() for r in caplog.records if "missed" in r.getMessage()]
    assert lines == ["13 starts today before 2026-11-24 16:26 CET were missed: the "
                     "controller was not running (10:00 ... 16:00)"]
    assert [m for m in logs if "missed" in m] == lines


async def test_a_skip_is_logged_with_the_venue_zone(tmp_path, caplog):
    first = await open_schedule(tmp_path, TWO_CLOSE, local(16, 44))
    await first.clock.advance(3 * 60 + 5)
    await first.close()
    lines = [m for r in caplog.records if " skipped: " in (m := r.getMessage())
             and m.startswith("scheduled")]
    assert lines == ["scheduled long at 2026-11-24 16:47 CET skipped: long still running"]


async def test_a_held_schedule_stays_held_after_a_restart(tmp_path, caplog):
    schedule = {"shows": [{"show": "small", "times": ["10:00", "11:00"]}]}
    first = await open_schedule(tmp_path, schedule, local(9, 0), history=True)
    first.controller.hold_schedule(by="operator:alice")
    await sigterm(first)
    caplog.set_level(logging.WARNING)
    again = await open_schedule(tmp_path, schedule, local(9, 30), history=True)
    held = again.controller.status()["schedule"]["held"]
    await again.clock.advance(3600)  # 10:30: 10:00 came while held
    again.controller.release_schedule(by="operator:alice")
    await sigterm(again)
    third = await open_schedule(tmp_path, schedule, local(10, 40), history=True)
    held_third = third.controller.status()["schedule"]["held"]
    await third.clock.advance(3600)
    await third.close()
    assert held is True
    assert [(r["scheduled"][11:16], r["reason"]) for r in again.runs("skip")] == [
        ("10:00", "the schedule is held")]
    assert again.firsts() == []
    assert any("the schedule is HELD (held since 2026-11-24 09:00 CET, before the restart)"
               in r.getMessage() for r in caplog.records)
    assert held_third is False and third.firsts() == ["2026-11-24T11:00:00+01:00 small"]


async def test_a_start_within_its_grace_is_skipped_when_the_schedule_comes_back_held(tmp_path):
    first = await open_schedule(tmp_path, TWO_CLOSE, local(16, 40))
    first.controller.hold_schedule(by="operator:alice")
    await sigterm(first)
    again = await open_schedule(tmp_path, TWO_CLOSE, local(16, 45, 20))
    await again.clock.advance(5)
    await again.close()
    assert again.firsts() == []
    assert [r["reason"] for r in again.runs("skip")] == ["the schedule is held"]

