"""Calendar invariants over random schedules, dates and DST-observing timezones."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import example, given, settings
from hypothesis import strategies as st

from showctl.model import Schedule
from showctl.scheduling.calendar import localize, starts

ZONES = ["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "UTC"]
clock_times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))


@st.composite
def schedules(draw):
    times = draw(st.lists(clock_times, min_size=1, max_size=6, unique=True))
    first = draw(clock_times)
    last = draw(clock_times.filter(lambda t: t >= first))
    entry = {"show": "a", "times": [f"{t:%H:%M}" for t in times],
             "every": {"from": f"{first:%H:%M}", "until": f"{last:%H:%M}",
                       "interval": draw(st.sampled_from(["15m", "30m", "1h", "1h30m"]))}}
    return Schedule.model_validate({"shows": [entry]})


GAPS = Schedule.model_validate({"shows": [{"show": "a", "times": ["02:00", "02:15"], "every": {
    "from": "01:00", "until": "03:30", "interval": "15m"}}]})


@settings(max_examples=150, deadline=None)
@given(schedules(), st.sampled_from(ZONES),
       st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 28)))
@example(GAPS, "Europe/Paris", date(2026, 3, 28))
@example(GAPS, "Europe/Paris", date(2026, 10, 24))
@example(GAPS, "Australia/Lord_Howe", date(2026, 10, 3))  # a 30-minute change
@example(GAPS, "America/New_York", date(2026, 3, 7))
def test_starts_are_ordered_unique_real_instants_of_written_times(schedule, zone, first):
    tz = ZoneInfo(zone)
    found = starts(schedule, tz, first, 4)
    keys = [(s.at, s.show) for s in found]
    assert keys == sorted(set(keys))
    entry = schedule.shows[0]
    for start in found:
        local = start.at.astimezone(tz)
        assert localize(local.replace(tzinfo=None), tz) == (local, False)  # it exists
        if start.moved_from is None:
            assert local.date() == start.date
            assert local.time() in written(entry, start.date)
        else:
            asked = datetime.combine(start.date, start.moved_from)
            assert start.moved_from in written(entry, start.date)
            assert timedelta(0) < local.replace(tzinfo=None) - asked <= timedelta(hours=1)
    for n in range(4):
        day = first + timedelta(days=n)
        for t in written(entry, day):
            at, _ = localize(datetime.combine(day, t), tz)
            assert (at, "a") in keys, f"{day} {t} is missing"


def written(entry, day: date) -> set[time]:
    found = set(entry.times)
    at = datetime.combine(day, entry.every.from_)
    while at <= datetime.combine(day, entry.every.until):
        found.add(at.time())
        at += timedelta(seconds=entry.every.interval)
    return found
