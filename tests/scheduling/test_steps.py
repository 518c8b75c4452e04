"""The wall clock steps (NTP) while the schedule runs: decisions follow the wall clock,
waits the monotonic one; every step is logged and the plan re-made. No double start, no
start lost beyond missed_grace, no show prerolling longer than its preroll."""

from __future__ import annotations

from datetime import datetime

from tests.scheduling.room import PARIS, Setup, open_schedule

HALF_HOURLY = {"shows": [{"show": "small", "times": ["10:00", "10:30", "11:00", "11:30"]}],
               "policy": {"missed_grace": 60, "preload": 10}}


def local(setup: Setup) -> str:
    return datetime.fromtimestamp(setup.clock.time(), PARIS).strftime("%H:%M:%S")


def stepped_lines(setup: Setup) -> list[str]:
    return [d["message"] for _, kind, d in setup.events
            if kind == "log" and "wall clock stepped" in d["message"]]


def prerolls(setup: Setup) -> list[float]:
    """How long each prerolling lasted, in fake wall seconds (no step inside one)."""
    out, since = [], None
    for wall, kind, data in setup.events:
        if kind == "state" and data["state"] == "prerolling":
            since = wall
        elif kind == "state" and since is not None:
            out.append(wall - since)
            since = None
    return out


async def test_a_step_back_before_a_start_waits_for_the_wall_clock(tmp_path) -> None:
    """Today: a step back an hour before the preload left the show prerolling an hour."""
    setup = await open_schedule(tmp_path, HALF_HOURLY, datetime(2026, 5, 4, 9, 50))
    await setup.clock.advance(5 * 60)  # 09:55
    setup.clock.step_wall(-3600)  # NTP: it is really 08:55
    await setup.clock.advance(3600 + 5 * 60 - 11)  # 09:59:49 by the wall: not yet loaded
    assert setup.controller.state == "idle", local(setup)
    await setup.clock.advance(60)
    await setup.close()
    assert [f[11:19] for f in setup.firsts()] == ["10:00:00"]
    # loaded at the preload (10 s before), t=0 on time: never an hour in prerolling
    assert all(p <= 10 + 0.001 for p in prerolls(setup)), prerolls(setup)
    assert stepped_lines(setup) and "-3600" in stepped_lines(setup)[0]


async def test_a_step_back_after_a_start_does_not_run_it_twice(tmp_path) -> None:
    setup = await open_schedule(tmp_path, HALF_HOURLY, datetime(2026, 5, 4, 9, 59))
    await setup.clock.advance(2 * 60)  # 10:01: the 10:00 show ran (it lasts 3 s)
    setup.clock.step_wall(-40 * 60)  # 09:21 by the wall
    await setup.clock.advance(40 * 60 + 30 * 60)  # 10:31 by the wall
    await setup.close()
    assert [f[11:16] for f in setup.firsts()] == ["10:00", "10:30"]
    assert setup.runs("miss") == []


async def test_a_step_ahead_misses_only_what_is_beyond_the_grace(tmp_path) -> None:
    setup = await open_schedule(tmp_path, HALF_HOURLY, datetime(2026, 5, 4, 9, 40))
    await setup.clock.advance(60)  # 09:41
    setup.clock.step_wall(49 * 60 + 30)  # 10:30:30: 10:00 is long past, 10:30 within grace
    await setup.clock.advance(60)
    await setup.close()
    missed = [r["scheduled"][11:16] for r in setup.runs("miss")]
    assert missed == ["10:00"]
    assert [f[11:16] for f in setup.firsts()] == ["10:30"]  # late, but it ran
    assert stepped_lines(setup) and "+2970" in stepped_lines(setup)[0]


async def test_a_step_while_prerolling_keeps_the_preroll(tmp_path) -> None:
    schedule = {**HALF_HOURLY, "policy": {"missed_grace": 60, "preload": 10}}
    setup = await open_schedule(tmp_path, schedule, datetime(2026, 5, 4, 9, 59, 55))
    await setup.clock.advance(4.8)  # 09:59:59.8: prerolling, t=0 at 10:00:00 (small: 0.5 s)
    assert setup.controller.state == "prerolling"
    setup.clock.step_wall(-3600)
    await setup.clock.advance(0.3)
    assert setup.controller.state == "running"  # t=0 came when it was due, on the monotonic
    await setup.clock.advance(3600 + 60)  # and at 10:00 by the new wall: not again
    await setup.close()
    assert len(setup.firsts()) == 1
    assert len(setup.runs("start")) == 1
