"""`showctl schedule [--from DATE] [--days N]`: the starts the runner will follow, one a
line, from the same calendar (docs/schedule.md)."""

from __future__ import annotations

import argparse
from datetime import date, datetime
from zoneinfo import ZoneInfo

from showctl.cli import UserError
from showctl.files.loader import load_config
from showctl.model.schedule import WEEKDAYS
from showctl.scheduling.calendar import Day, plan_days

MAX_DAYS = 3660


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    parser = subparsers.add_parser(
        "schedule",
        parents=[common],
        help="list the scheduled starts",
        description="The scheduled starts in the venue's local time, one a line: date, time, "
        "weekday, show. Closed days, special days and starts moved by a DST change are marked.",
    )
    parser.add_argument("--from", dest="from_date", metavar="DATE",
                        help="first day, YYYY-MM-DD (default: today in the venue's timezone)")
    parser.add_argument("--days", type=int, default=7, metavar="N",
                        help="how many days (default: 7)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.days <= MAX_DAYS:
        raise UserError(f"--days must be 1 to {MAX_DAYS}, not {args.days}")
    given = _parse_date(args.from_date) if args.from_date else None
    config = load_config(args.config)
    tz = ZoneInfo(config.venue.timezone)
    first = given or datetime.now(tz).date()
    for line in format_days(plan_days(config.schedule, tz, first, args.days)):
        print(line)
    return 0


def format_days(days: list[Day]) -> list[str]:
    lines = []
    for day in days:
        weekday = WEEKDAYS[day.date.weekday()]
        if day.closed:
            lines.append(f"{day.date} --:--  {weekday}  (closed)")
        for start in day.starts:
            notes = ["special"] if start.special else []
            if start.moved_from is not None:
                notes.append(f"moved from {start.moved_from:%H:%M}: DST change")
            suffix = f"  ({'; '.join(notes)})" if notes else ""
            day_name = WEEKDAYS[start.at.weekday()]
            lines.append(f"{start.at:%Y-%m-%d %H:%M}  {day_name}  {start.show}{suffix}")
    return lines


def _parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        shaped = len(text) == 10 and text[4] == text[7] == "-"
        why = str(exc) if shaped else "write YYYY-MM-DD"  # e.g. "day is out of range for month"
        raise UserError(f"--from {text!r} is not a date: {why}") from None
