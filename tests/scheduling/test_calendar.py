"""The calendar against hand-computed starts: both DST changes of 2026 in Europe/Paris,
a closed day, a special day, `every` windows with `until` inclusive."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from showctl.model import Schedule
from showctl.scheduling.calendar import next_start, plan_days, starts

PARIS = ZoneInfo("Europe/Paris")
DAY = ["10:00", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00", "13:30",
       "14:00", "14:30", "15:00", "15:30", "16:00", "16:30", "17:00", "17:30"]

WEEK = {
    "shows": [
        {"show": "small", "every": {"from": "10:00", "until": "17:30", "interval": "30m"}},
        {"show": "night", "times": ["02:30"]},
    ],
    "closed": ["2026-03-25", "2026-10-21"],
    "special": [
        {"date": "2026-03-27", "shows": [{"show": "small", "times": ["11:00", "15:00"]}]},
        {"date": "2026-10-23", "shows": [{"show": "night", "times": ["20:00"]}]},
    ],
}


def regular(day: str, offset: str) -> list[str]:
    return [f"{day}T02:30:00{offset} night"] + [f"{day}T{t}:00{offset} small" for t in DAY]


SPRING = (
    regular("2026-03-23", "+01:00")
    + regular("2026-03-24", "+01:00")
    # 25th closed
    + regular("2026-03-26", "+01:00")
    + ["2026-03-27T11:00:00+01:00 small", "2026-03-27T15:00:00+01:00 small"]
    + regular("2026-03-28", "+01:00")
    # 29th: 02:30 does not exist, moved to 03:00 CEST; the day runs on +02:00
    + ["2026-03-29T03:00:00+02:00 night"]
    + [f"2026-03-29T{t}:00+02:00 small" for t in DAY]
)

AUTUMN = (
    regular("2026-10-19", "+02:00")
    + regular("2026-10-20", "+02:00")
    # 21st closed
    + regular("2026-10-22", "+02:00")
    + ["2026-10-23T20:00:00+02:00 night"]
    + regular("2026-10-24", "+02:00")
    # 25th: 02:30 happens twice; it runs once, at the first (summer time) occurrence
    + ["2026-10-25T02:30:00+02:00 night"]
    + [f"2026-10-25T{t}:00+01:00 small" for t in DAY]
)


def listed(first: date) -> list[str]:
    return [f"{s.at.isoformat()} {s.show}" for s in starts(Schedule.model_validate(WEEK),
                                                           PARIS, first, 7)]


def test_spring_week_with_dst_closed_and_special_days():
    assert listed(date(2026, 3, 23)) == SPRING


def test_autumn_week_runs_the_repeated_hour_once():
    assert listed(date(2026, 10, 19)) == AUTUMN


def test_days_are_marked():
    days = plan_days(Schedule.model_validate(WEEK), PARIS, date(2026, 3, 25), 5)
    assert [(d.date.day, d.closed, d.special, len(d.starts)) for d in days] == [
        (25, True, False, 0), (26, False, False, 17), (27, False, True, 2),
        (28, False, False, 17), (29, False, False, 17)]
    moved = [s for s in days[4].starts if s.moved_from is not None]
    assert [(s.show, f"{s.moved_from:%H:%M}", f"{s.at:%H:%M}") for s in moved] == [
        ("night", "02:30", "03:00")]


def test_gap_starts_collapse_and_an_exact_time_keeps_its_place():
    schedule = Schedule.model_validate({"shows": [
        {"show": "a", "every": {"from": "02:00", "until": "03:30", "interval": "15m"}}]})
    got = [(f"{s.at:%H:%M%z}", s.moved_from is not None)
           for s in starts(schedule, PARIS, date(2026, 3, 29), 1)]
    # 02:00-02:45 do not exist: all four become the one start at 03:00, which also
    # is a written time of its own, so it is not marked as moved.
    assert got == [("03:00+0200", False), ("03:15+0200", False), ("03:30+0200", False)]


def test_every_window_ends_at_until_inclusive_and_respects_validity_dates():
    schedule = Schedule.model_validate({"shows": [{
        "show": "a", "days": ["mon"], "from_date": "2026-06-08", "until_date": "2026-06-15",
        "every": {"from": "09:00", "until": "10:30", "interval": "45m"}}]})
    got = [f"{s.at:%Y-%m-%d %H:%M}" for s in starts(schedule, PARIS, date(2026, 6, 1), 21)]
    assert got == ["2026-06-08 09:00", "2026-06-08 09:45", "2026-06-08 10:30",
                   "2026-06-15 09:00", "2026-06-15 09:45", "2026-06-15 10:30"]


def test_next_start_looks_past_closed_days_and_empty_months():
    schedule = Schedule.model_validate({
        "shows": [{"show": "a", "times": ["10:00"], "from_date": "2026-09-01"}],
        "closed": ["2026-09-01"]})
    after = datetime(2026, 5, 1, 12, 0, tzinfo=PARIS)
    found = next_start(schedule, PARIS, after)
    assert found is not None and found.at == datetime(2026, 9, 2, 10, 0, tzinfo=PARIS)
    assert next_start(Schedule(), PARIS, after) is None
