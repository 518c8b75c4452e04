"""A week of the power plan on the injected clock: weekdays, a closed day, a special day
with its own power times, a start due while the room sleeps, both DST changes, and a
controller restarted at 13:00 that switches the room on at once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from showctl.model import Schedule
from showctl.scheduling.power import should_be_on
from tests.room.rig import PARIS, open_power_room

POWER = {"on": "09:15", "off": "18:45"}


def week(monday: str, closed: str, special: str, sunday: str, sunday_power: dict) -> dict:
    return {
        "shows": [{"show": "small", "times": ["10:00", "14:00"]}],
        "closed": [closed],
        "special": [
            {"date": special, "shows": [{"show": "small", "times": ["12:00", "15:00"]}],
             "power": {"on": "11:00", "off": "13:00"}},
            {"date": sunday, "shows": [{"show": "small", "times": ["03:15"]}],
             "power": sunday_power},
        ],
        "power": POWER,
    }


NORMAL = ["09:15 on ok", "18:45 off ok"]


def expected_powers(sunday: list[str]) -> list[str]:
    days = {"Mon": NORMAL, "Tue": NORMAL, "Thu": ["11:00 on ok", "13:00 off ok"],
            "Fri": NORMAL, "Sat": NORMAL, "Sun": sunday}
    return ["Mon 08:00 off ok"] + [f"{day} {p}" for day, ps in days.items() for p in ps]


EXPECTED_STARTS = [f"{d} {t} small" for d in ("Mon", "Tue") for t in ("10:00", "14:00")] + \
    ["Thu 12:00 small"] + [f"{d} {t} small" for d in ("Fri", "Sat") for t in ("10:00", "14:00")] + \
    ["Sun 03:15 small"]


async def _week(tmp_path: Path, schedule: dict, monday: datetime) -> tuple[list, list, list]:
    room = await open_power_room(tmp_path, schedule, monday.replace(hour=8), warm_up=30)
    try:
        await room.run_until(monday.replace(day=monday.day + 7, hour=8))
        return room.powers(), room.starts(), room.skipped()
    finally:
        await room.close()


async def test_spring_week(tmp_path: Path) -> None:
    # Sunday 29 March 2026: 02:00 CET becomes 03:00 CEST; the room is up 01:30 to 03:30
    schedule = week("2026-03-23", "2026-03-25", "2026-03-26", "2026-03-29",
                    {"on": "01:30", "off": "03:30"})
    powers, starts, skipped = await _week(tmp_path, schedule, datetime(2026, 3, 23))
    assert powers == expected_powers(["01:30 on ok", "03:30 off ok"])
    assert starts == EXPECTED_STARTS
    assert skipped == ["Thu 15:00 the room is asleep then (schedule power plan): move the "
                       "start or the power times"]


async def test_autumn_week(tmp_path: Path) -> None:
    # Sunday 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:30 happens twice (first wins)
    schedule = week("2026-10-19", "2026-10-21", "2026-10-22", "2026-10-25",
                    {"on": "01:30", "off": "03:30"})
    powers, starts, skipped = await _week(tmp_path, schedule, datetime(2026, 10, 19))
    assert powers == expected_powers(["01:30 on ok", "03:30 off ok"])
    assert starts == EXPECTED_STARTS
    assert len(skipped) == 1


async def test_a_restart_at_13_switches_the_room_on_at_once(tmp_path: Path) -> None:
    schedule = {"shows": [{"show": "small", "times": ["10:00", "14:00"]}], "power": POWER}
    room = await open_power_room(tmp_path, schedule, datetime(2026, 5, 6, 13, 0))
    room.alive = True
    try:
        await room.run_until(datetime(2026, 5, 6, 14, 30))
        assert room.powers() == ["Wed 13:00 on ok"]
        assert room.starts() == ["Wed 14:00 small"]
        assert room.controller.status()["check"]["ready"] is True
    finally:
        await room.close()


def test_without_a_power_plan_the_room_is_always_on() -> None:
    at = datetime(2026, 5, 6, 3, 0, tzinfo=PARIS)
    assert should_be_on(Schedule(), PARIS, at)
