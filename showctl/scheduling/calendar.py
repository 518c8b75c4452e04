"""The schedule as a calendar: which show starts at which instant, day by day.

Pure functions of the model, so `showctl schedule`, the runner and the tests all see
the very same starts. Local times become aware datetimes here, once, with the two DST
rules a venue expects: a time that does not exist that day (spring forward) moves to
the first instant after the gap, and a time that happens twice (fall back) runs once,
at its first occurrence.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from showctl.model import DayEntry, Schedule
from showctl.model.schedule import WEEKDAYS

log = logging.getLogger(__name__)

_LOGGED: set[tuple[datetime, str]] = set()

HORIZON_DAYS = 400
"""How far ahead `next_start` looks (validity windows may leave months empty)."""


@dataclass(frozen=True, order=True)
class Start:
    at: datetime  # aware, in the venue's timezone
    show: str
    date: date = field(compare=False)
    special: bool = field(default=False, compare=False)
    moved_from: time | None = field(default=None, compare=False)  # DST gap: written time


@dataclass(frozen=True)
class Day:
    date: date
    closed: bool
    special: bool
    starts: tuple[Start, ...]


def plan_days(schedule: Schedule, tz: tzinfo, from_date: date, days: int) -> list[Day]:
    """Every day from `from_date` for `days` days, with its starts in order."""
    return [_day(schedule, tz, from_date + timedelta(days=n)) for n in range(days)]


def starts(schedule: Schedule, tz: tzinfo, from_date: date, days: int) -> list[Start]:
    """The starts of `days` days from `from_date`, in order."""
    return [s for day in plan_days(schedule, tz, from_date, days) for s in day.starts]


def iter_starts(
    schedule: Schedule, tz: tzinfo, after: datetime, show: str | None = None
) -> Iterator[Start]:
    """Starts strictly after `after` (of one show, if given), up to HORIZON_DAYS ahead."""
    first = after.astimezone(tz).date() - timedelta(days=1)  # a moved start may cross midnight
    for n in range(HORIZON_DAYS + 1):
        for start in _day(schedule, tz, first + timedelta(days=n)).starts:
            if start.at > after and (show is None or start.show == show):
                yield start


def next_start(
    schedule: Schedule, tz: tzinfo, after: datetime, show: str | None = None
) -> Start | None:
    return next(iter_starts(schedule, tz, after, show), None)


def _day(schedule: Schedule, tz: tzinfo, day: date) -> Day:
    if day in schedule.closed:
        return Day(day, closed=True, special=False, starts=())
    specials = [s for s in schedule.special if s.date == day]
    if specials:
        entries: list[DayEntry] = [e for s in specials for e in s.shows]
    else:
        weekday = WEEKDAYS[day.weekday()]
        entries = [
            e
            for e in schedule.shows
            if weekday in e.days
            and (e.from_date is None or e.from_date <= day)
            and (e.until_date is None or day <= e.until_date)
        ]
    found: dict[tuple[datetime, str], Start] = {}
    for entry in entries:
        for written in _local_times(entry, day):
            at, moved = localize(written, tz)
            start = Start(at, entry.show, day, bool(specials), written.time() if moved else None)
            known = found.get((at, entry.show))
            if known is None or known.moved_from is not None:  # an exact time wins the mark
                found[(at, entry.show)] = start
    return Day(day, closed=False, special=bool(specials), starts=tuple(sorted(found.values())))


def _local_times(entry: DayEntry, day: date) -> Iterator[datetime]:
    """The entry's naive local start times on `day` (`every` counted in wall time)."""
    for t in entry.times:
        yield datetime.combine(day, t)
    if entry.every is not None:
        at = datetime.combine(day, entry.every.from_)
        last = datetime.combine(day, entry.every.until)
        step = timedelta(seconds=entry.every.interval)
        while at <= last:
            yield at
            at += step


def localize(local: datetime, tz: tzinfo) -> tuple[datetime, bool]:
    """`local` (naive) as an aware instant, and whether it had to move out of a DST gap.

    fold=0 picks the first of two occurrences; a time in a gap becomes the first
    minute that exists after it (02:30 on a spring-forward night becomes 03:00).
    """
    at = local.replace(tzinfo=tz, fold=0)
    if _exists(at):
        return at, False
    probe = local.replace(second=0, microsecond=0)
    for _ in range(2 * 24 * 60):  # bounded: no gap is longer than a day
        probe += timedelta(minutes=1)
        if _exists(probe.replace(tzinfo=tz)):
            moved = probe.replace(tzinfo=tz)
            if (local, str(tz)) not in _LOGGED:  # the calendar is asked often: say it once
                _LOGGED.add((local, str(tz)))
                log.info("%s %s does not exist (DST change): moved to %s",
                         local.date(), f"{local:%H:%M}", f"{moved:%H:%M %Z}")
            return moved, True
    raise ValueError(f"no valid local time after {local} in {tz}")


def _exists(at: datetime) -> bool:
    """A local time exists when it survives a round trip through UTC."""
    back = at.astimezone(UTC).astimezone(at.tzinfo)
    return back.replace(tzinfo=None) == at.replace(tzinfo=None)
