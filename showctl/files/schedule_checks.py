"""Schedule cross-checks: shows that exist, days that are not both closed and special,
and no two entries starting at the same minute.

One room plays one show at a time, so two entries (of the same show or of two shows)
that would start at the same time on the same date are a mistake, wherever their
validity windows overlap. Overlapping windows that never collide are fine: that is how
a summer timetable is layered over the year-round one.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable
from datetime import date, timedelta
from typing import Any

from showctl.files.errors import FileError
from showctl.files.yamlsrc import Document, Loc
from showctl.model import DayEntry, Schedule, ScheduleEntry
from showctl.model.schedule import WEEKDAYS


def check_schedule(
    schedule: Schedule, doc: Document, show_ids: Collection[str] | None
) -> list[FileError]:
    errors: list[FileError] = []
    entries: list[tuple[Loc, ScheduleEntry | DayEntry]] = [
        (("shows", i), e) for i, e in enumerate(schedule.shows)]
    for k, day in enumerate(schedule.special):
        entries += [(("special", k, "shows", i), e) for i, e in enumerate(day.shows)]
    for loc, entry in entries:
        if show_ids is not None and entry.show not in show_ids:
            errors.append(_no_such_show(doc, loc, entry.show, show_ids))
        errors += _repeated_times(entry, loc, doc)
    errors += _dates(schedule, doc)
    errors += _collisions(list(enumerate(schedule.shows)), ("shows",), doc)
    for k, day in enumerate(schedule.special):
        errors += _collisions(list(enumerate(day.shows)), ("special", k, "shows"), doc)
    return errors


def check_show_names(doc: Document, show_ids: Collection[str]) -> list[FileError]:
    """The show names of a schedule that has other errors, read from the data as written."""
    data = doc.data if isinstance(doc.data, dict) else {}
    entries: list[tuple[Loc, Any]] = [
        (("shows", i), e) for i, e in enumerate(_list(data.get("shows")))]
    for k, day in enumerate(_list(data.get("special"))):
        if isinstance(day, dict):
            shows = _list(day.get("shows"))
            entries += [(("special", k, "shows", i), e) for i, e in enumerate(shows)]
    return [
        _no_such_show(doc, loc, entry["show"], show_ids)
        for loc, entry in entries
        if isinstance(entry, dict) and isinstance(entry.get("show"), str)
        and entry["show"] not in show_ids
    ]


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _no_such_show(doc: Document, loc: Loc, name: str, show_ids: Collection[str]) -> FileError:
    close = difflib.get_close_matches(name, list(show_ids), n=1, cutoff=0.6)
    hint = f": did you mean {close[0]!r}?" if close else (
        f" (shows: {', '.join(sorted(show_ids)) or 'none'})")
    return doc.error((*loc, "show"), f"no show {name!r}{hint}")


def _repeated_times(entry: DayEntry, loc: Loc, doc: Document) -> list[FileError]:
    seen = set()
    every = starts(DayEntry(show=entry.show, every=entry.every)) if entry.every else set()
    errors = []
    for j, t in enumerate(entry.times):
        if t in seen:
            errors.append(doc.error((*loc, "times", j), f"{t:%H:%M} is listed twice"))
        elif t.hour * 3600 + t.minute * 60 in every:
            errors.append(doc.error((*loc, "times", j), f"{t:%H:%M} is already a start of "
                                    "`every`"))
        seen.add(t)
    return errors


def _dates(schedule: Schedule, doc: Document) -> list[FileError]:
    errors = []
    closed: dict[date, int] = {}
    for j, closed_day in enumerate(schedule.closed):
        if closed_day in closed:
            errors.append(doc.error(("closed", j), f"{closed_day} is listed twice"))
        closed.setdefault(closed_day, j)
    special: dict[date, int] = {}
    for k, day in enumerate(schedule.special):
        loc = ("special", k, "date")
        if day.date in closed:
            line = doc.where(("closed", closed[day.date]))[0]
            errors.append(
                doc.error(loc, f"{day.date} is also closed (line {line}): keep one of the two")
            )
        if day.date in special:
            line = doc.where(("special", special[day.date]))[0]
            errors.append(doc.error(loc, f"{day.date} is already a special day (line {line})"))
        special.setdefault(day.date, k)
    return errors


def starts(entry: DayEntry) -> set[int]:
    """The entry's start times in seconds after midnight."""
    found = {t.hour * 3600 + t.minute * 60 for t in entry.times}
    if entry.every is not None:
        every = entry.every
        t: float = every.from_.hour * 3600 + every.from_.minute * 60
        last = every.until.hour * 3600 + every.until.minute * 60
        while t <= last:
            found.add(int(t))
            t += every.interval
    return found


def _collisions(
    entries: list[tuple[int, DayEntry]], base: Loc, doc: Document
) -> list[FileError]:
    errors = []
    for n, (i, entry) in enumerate(entries):
        for j, other in entries[:n]:
            days = _common_days(entry, other)
            common = sorted(starts(entry) & starts(other)) if days else []
            if not common:
                continue
            when = ", ".join(f"{s // 3600:02d}:{s % 3600 // 60:02d}" for s in common[:3])
            more = f" and {len(common) - 3} more" if len(common) > 3 else ""
            line = doc.where((*base, j))[0]
            errors.append(
                doc.error(
                    (*base, i),
                    f"{entry.show} would start at {when}{more} on {', '.join(days)} while the "
                    f"entry on line {line} starts {other.show} then: one show at a time",
                )
            )
    return errors


def _common_days(a: DayEntry, b: DayEntry) -> list[str]:
    """Weekdays on which both entries apply (their validity windows overlapping)."""
    if not isinstance(a, ScheduleEntry) or not isinstance(b, ScheduleEntry):
        return ["that day"]
    days = set(a.days) & set(b.days)
    first = max(d for d in (a.from_date, b.from_date, date.min) if d is not None)
    last = min(d for d in (a.until_date, b.until_date, date.max) if d is not None)
    if first > last:
        return []
    if (last - first).days < 7:
        days &= {WEEKDAYS[d.weekday()] for d in _span(first, last)}
    return [d for d in WEEKDAYS if d in days]


def _span(first: date, last: date) -> Iterable[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
