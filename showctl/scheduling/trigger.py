"""APScheduler's view of the schedule: one job per show, each with a trigger that asks
the calendar for that show's next start.

Asking the calendar (rather than a CronTrigger) keeps one definition of a start,
DST rules included: APScheduler 3.11's CronTrigger fires a daily 02:30 job twice on
the autumn change.
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from apscheduler.triggers.base import BaseTrigger

from showctl.model import Schedule
from showctl.scheduling.calendar import next_start


class CalendarTrigger(BaseTrigger):  # type: ignore[misc]  # apscheduler 3 ships no types
    def __init__(self, schedule: Schedule, tz: tzinfo, show: str) -> None:
        self.schedule, self.tz, self.show = schedule, tz, show

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The show's first start after the previous one, or at/after `now` at first."""
        after = previous_fire_time or now - timedelta(microseconds=1)
        start = next_start(self.schedule, self.tz, after, self.show)
        return start.at if start else None

    def __str__(self) -> str:
        return f"calendar[{self.show}]"


def scheduled_shows(schedule: Schedule) -> list[str]:
    """Every show the schedule names, regular or special, once each."""
    names = {e.show for e in schedule.shows}
    names.update(e.show for day in schedule.special for e in day.shows)
    return sorted(names)
