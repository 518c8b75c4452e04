"""The room's day (SPEC 6.2): when it wakes and sleeps, and the self-check before the
first start.

Level-triggered, not edge-triggered: every wake-up asks what the room should be *now*
(on between `on` and `off` of a day with power, off otherwise) and acts only if that
differs from what was last done. A controller restarted at 13:00 after a power cut
therefore switches the room on at once instead of waiting for tomorrow's 09:15, and a
wall-clock step or a reloaded schedule is followed at the next wake-up.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo

from showctl.core import events
from showctl.core.clock import Clock, wait_until
from showctl.core.controller import Controller
from showctl.model import Schedule
from showctl.model.schedule import WEEKDAYS, PowerTimes
from showctl.scheduling.calendar import localize, starts

log = logging.getLogger(__name__)
BY = "schedule"
LOOK_EVERY = 60.0  # seconds: the longest sleep, so reloads and clock steps are followed


def power_times(schedule: Schedule, day: date) -> PowerTimes | None:
    """The day's on/off times; None when the room stays dark (closed, or not a power day).
    A special day's own `power` wins; without one the regular plan applies."""
    if schedule.power is None or day in schedule.closed:
        return None
    for special in schedule.special:
        if special.date == day and special.power is not None:
            return special.power
    return schedule.power if WEEKDAYS[day.weekday()] in schedule.power.days else None


def awake_window(schedule: Schedule, tz: tzinfo, day: date) -> tuple[datetime, datetime] | None:
    times = power_times(schedule, day)
    if times is None:
        return None
    return (localize(datetime.combine(day, times.on), tz)[0],
            localize(datetime.combine(day, times.off), tz)[0])


def should_be_on(schedule: Schedule, tz: tzinfo, at: datetime) -> bool:
    """Always True without a power plan: the room is then switched by hand."""
    if schedule.power is None:
        return True
    window = awake_window(schedule, tz, at.astimezone(tz).date())
    # timestamps: aware datetimes of one zone compare by wall time, wrong across DST
    return window is not None and window[0].timestamp() <= at.timestamp() < \
        window[1].timestamp()


class PowerRunner:
    """Switches the room as the schedule's power plan says; runs the self-check a
    configurable time before each day's first start."""

    def __init__(self, controller: Controller, clock: Clock, *,
                 look_every: float = LOOK_EVERY) -> None:
        self.controller, self.clock, self.look_every = controller, clock, look_every
        self.applied: Literal["on", "off"] | None = None
        self.busy = False  # switching or checking: talking to the devices
        self._checked: set[date] = set()
        self._task: asyncio.Task[None] | None = None
        self._started = 0.0  # monotonic: when the runner (the service) started

    async def start(self) -> None:
        self._started = self.clock.monotonic()
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="power-plan")

    async def _devices_had_time(self) -> None:
        """Until every device is online, or each had the liveness timeout since the start
        to say so: a check 20 ms after a restart found all of them "not answering" (none
        had reported yet), showed NOT READY and alerted on every restart. What is still
        wrong after the timeout is wrong."""
        ctl = self.controller
        deadline = self._started + ctl.venue.osc.heartbeat_timeout
        everyone = asyncio.Event()

        def look(event: events.Event | None = None) -> None:
            if (event is None or event.kind == events.DEVICE) and \
                    all(d.get("online") for d in ctl.status()["devices"]):
                everyone.set()

        look()
        if everyone.is_set() or self.clock.monotonic() >= deadline:
            return
        unsubscribe = ctl.bus.subscribe(look)
        try:
            await wait_until(self.clock, deadline, everyone)
        finally:
            unsubscribe()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    def _now(self) -> tuple[datetime, ZoneInfo]:
        tz = ZoneInfo(self.controller.config.venue.timezone)
        return datetime.fromtimestamp(self.clock.time(), tz), tz

    async def _loop(self) -> None:
        while True:
            schedule = self.controller.config.schedule
            now, tz = self._now()
            self.busy = True
            try:
                if schedule.power is not None:
                    wanted: Literal["on", "off"] = "on" if should_be_on(schedule, tz, now) \
                        else "off"
                    if wanted != self.applied:
                        await self._switch(wanted)
                await self._check_before_first(schedule, now, tz)
            finally:
                self.busy = False
            now, tz = self._now()
            await self.clock.sleep_until(self.clock.monotonic() +
                                         self._until_next(schedule, now, tz))

    async def _switch(self, wanted: Literal["on", "off"]) -> None:
        self.applied = wanted  # once per change, even if a device fails (alerted, logged)
        log.info("power plan: the room should be %s now", wanted)
        if wanted == "on":
            await self.controller.power_on(by=BY)
            self._apply_check_policy()
        else:
            await self.controller.power_off(by=BY)

    async def _check_before_first(self, schedule: Schedule, now: datetime,
                                  tz: ZoneInfo) -> None:
        first = self._first_start(schedule, now, tz)
        lead = timedelta(seconds=self.controller.venue.check.before_first)
        if first is None or now.date() in self._checked or \
                not (first - lead).timestamp() <= now.timestamp() < first.timestamp():
            return
        self._checked.add(now.date())
        if not should_be_on(schedule, tz, now):
            return  # asleep: the power-on's own check comes first
        await self._devices_had_time()  # just after a restart: once they could report
        await self.controller.check(by=BY)
        self._apply_check_policy()

    def _apply_check_policy(self) -> None:
        check = self.controller.status()["check"]
        if check and not check["ready"] and self.controller.venue.check.on_fail == "hold" \
                and not self.controller.schedule_held:
            log.warning("self-check not ready: holding the schedule (venue check.on_fail)")
            self.controller.hold_schedule(by="self-check")

    def _first_start(self, schedule: Schedule, now: datetime, tz: ZoneInfo) -> datetime | None:
        today = starts(schedule, tz, now.date(), 1)
        return today[0].at if today else None

    def _until_next(self, schedule: Schedule, now: datetime, tz: ZoneInfo) -> float:
        """Seconds to the next thing to do (an edge, the check), at most LOOK_EVERY."""
        moments: list[datetime] = []
        window = awake_window(schedule, tz, now.date())
        if window is not None:
            moments.extend(window)
        first = self._first_start(schedule, now, tz)
        if first is not None:
            moments.append(first - timedelta(seconds=self.controller.venue.check.before_first))
        ahead = [m.timestamp() - now.timestamp() for m in moments
                 if m.timestamp() > now.timestamp()]
        return max(0.001, min([self.look_every, *ahead]))
