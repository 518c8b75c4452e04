"""What the runner decides when a start is due: busy (skip | queue), held, late."""

from __future__ import annotations

from datetime import datetime

from tests.scheduling.room import LONG, NIGHT, open_schedule
from tests.support import SMALL_SHOW

SHOWS = (SMALL_SHOW, NIGHT, LONG)

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


def warnings(setup) -> list[str]:
    return [d["message"] for _, kind, d in setup.events
            if kind == "log" and d["level"] == "warning"]


def everyone_beats(setup) -> None:
    for device in setup.controller.venue.devices:
        setup.controller.heartbeat(device.id)


async def test_devices_missing_skip_skips_a_start_with_devices_offline(tmp_path):
    schedule = {"shows": [{"show": "small", "times": ["10:00", "11:00"]}],
                "policy": {"if_devices_missing": "skip"}}
    setup = await open_schedule(tmp_path, schedule, datetime(2026, 5, 4, 9, 0))
    await setup.clock.advance(3600)  # 10:00: nothing ever sent a heartbeat
    await setup.clock.advance(3600 - 15)  # 10:59:45
    everyone_beats(setup)
    await setup.clock.advance(60)
    await setup.close()
    assert skipped(setup) == [("10:00", "4 of 4 devices offline (screen1, screen2, screen3, "
                                        "lights) (if_devices_missing: skip)")]
    assert [f[11:16] for f in setup.firsts()] == ["11:00"]


async def test_devices_missing_start_starts_anyway_and_says_so(tmp_path):
    schedule = {"shows": [{"show": "small", "times": ["10:00"]}]}  # the default: start
    setup = await open_schedule(tmp_path, schedule, datetime(2026, 5, 4, 9, 59, 48))
    everyone_beats(setup)  # the preload is at 09:59:50
    setup.controller.engine.devices.went_offline("screen2", setup.clock.time(), "test")
    await setup.clock.advance(30)
    await setup.close()
    assert [f[11:16] for f in setup.firsts()] == ["10:00"]
    assert "scheduled small at 2026-05-04 10:00 CEST starts with 1 of 4 devices offline " \
           "(screen2)" in warnings(setup)


async def test_trouble_ahead_is_said_five_minutes_before(tmp_path):
    schedule = {"shows": [{"show": "small", "times": ["10:00", "11:00"]}]}
    setup = await open_schedule(tmp_path, schedule, datetime(2026, 5, 4, 9, 50))
    everyone_beats(setup)  # (they go silent later: only the first forecast counts here)
    setup.controller.load("night", by="web:alice")  # an operator's show, not started
    await setup.clock.advance(4 * 60 + 59)  # 09:54:59: not yet
    assert setup.controller.status()["schedule"]["next"]["warning"] is None
    await setup.clock.advance(1)
    expected = ("10:00 Small test show will replace the loaded Night show (GO now to play it "
                "first, or Hold schedule to keep it)")
    assert setup.controller.status()["schedule"]["next"]["warning"] == expected
    assert f"{expected} (2026-05-04 10:00 CEST)" in warnings(setup)
    setup.controller.hold_schedule(by="web:alice")  # the forecast follows at once
    await setup.clock.advance(0)
    assert setup.controller.status()["schedule"]["next"]["warning"] == (
        "10:00 Small test show will not run: the schedule is held (Release to let it run)")
    setup.controller.release_schedule(by="web:alice")
    setup.controller.go(by="web:alice")  # Night show (3.5 s) plays and ends long before 10:00
    await setup.clock.advance(10)
    everyone_beats(setup)
    await setup.clock.advance(0)
    assert setup.controller.status()["schedule"]["next"]["warning"] is None
    await setup.close()


async def test_a_show_left_at_a_hold_is_announced_and_the_start_skipped(tmp_path):
    holdy = {"id": "holdy", "title": "Guided tour",
             "cues": [{"id": "1", "at": 0, "lights": {"cue": "a"}},
                      {"id": "2", "at": 1, "name": "HOLD", "hold": True},
                      {"id": "3", "at": 2, "lights": {"cue": "b"}}]}
    schedule = {"shows": [{"show": "small", "times": ["10:00"]}]}
    setup = await open_schedule(tmp_path, schedule, datetime(2026, 5, 4, 9, 50),
                                shows=[holdy, *[s for s in SHOWS]])
    setup.controller.start("holdy", by="web:alice")
    await setup.clock.advance(10 * 60 + 5)
    status = setup.controller.status()["schedule"]
    await setup.close()
    assert "10:00 Small test show will be skipped: Guided tour is holding (0:01 left): press GO " \
           "by 09:59:59 and it ends before 10:00, or Stop it, or Hold schedule to skip 10:00 " \
           "Small test show on purpose (2026-05-04 10:00 CEST)" in warnings(setup)
    assert skipped(setup) == [("10:00", "holdy still running")]
    assert status["today"][0]["status"] == "skipped"


async def test_todays_starts_say_how_their_run_ended(tmp_path):
    schedule = {"shows": [{"show": "long", "times": ["10:00"]}]}
    setup = await open_schedule(tmp_path, schedule, datetime(2026, 5, 4, 9, 59))
    await setup.clock.advance(120)
    setup.controller.stop(0, by="web:alice")
    await setup.clock.advance(0)
    today = setup.controller.status()["schedule"]["today"]
    await setup.close()
    assert [(t["status"], t["outcome"]) for t in today] == [("done", "stopped")]
    assert setup.runs("end")[-1]["ended_by"] == "web:alice"
