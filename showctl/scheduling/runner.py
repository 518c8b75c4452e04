"""`ScheduleRunner`: starts the scheduled shows on the injected clock (docs/schedule.md).

APScheduler holds one job per show (its trigger asks the calendar), so `jobs()` lists
the next starts; the runner's own loop sleeps on the `Clock` to the earliest job's
preload instant and decides there. APScheduler 3 reads `datetime.now()` and
`loop.call_later` directly, so its own timer could not follow a FakeClock nor start a
show to the millisecond; its scheduler therefore stays paused, a job store with triggers.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from apscheduler.job import Job
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from showctl.core.clock import STEP, Clock, wait_until
from showctl.core.controller import Controller
from showctl.core.errors import CommandError
from showctl.core.events import DEVICE, FILES, RUN, SCHEDULE, STATE, Event
from showctl.history import History
from showctl.scheduling.calendar import next_start, starts
from showctl.scheduling.forecast import WARN_AHEAD, forecast, offline_text
from showctl.scheduling.hold import HoldFile
from showctl.scheduling.power import should_be_on
from showctl.scheduling.trigger import CalendarTrigger, scheduled_shows
from showctl.scheduling.watch import ScheduleWatch

log = logging.getLogger(__name__)

BY = "schedule"
STATUS = {"run": "done", "skip": "skipped", "miss": "missed"}
"""A history row's kind (or a run event's) -> the start's status in `today`."""


def when(at: datetime) -> str:
    """A start as log lines show it: the venue's local time with its zone ("16:47 CET"),
    since the log's own timestamps may be the host's time (UTC on many servers)."""
    return f"{at:%Y-%m-%d %H:%M %Z}"


class ScheduleRunner:
    def __init__(
        self,
        controller: Controller,
        clock: Clock,
        *,
        history: History | None = None,
        poll_every: float = 2.0,
    ) -> None:
        self.controller, self.clock, self.history = controller, clock, history
        self.watch = ScheduleWatch(controller, clock, poll_every)
        self._schedule = controller.config.schedule
        self._tz = ZoneInfo(controller.config.venue.timezone)
        self._status: dict[tuple[datetime, str], str] = {}  # done | skipped | missed
        self._prerolling: tuple[datetime, str] | None = None  # started, t=0 still ahead
        self._outcome: dict[tuple[datetime, str], str] = {}  # how a start's run ended
        self._running: tuple[datetime, str] | None = None  # the start whose run is on
        self._warning: str | None = None  # what the next start will do wrong, if anything
        self._next: tuple[datetime, str] | None = None  # the next start published
        self._held = False  # the hold the forecast last saw
        self._scheduler = AsyncIOScheduler(timezone=self._tz)
        self._changed = asyncio.Event()
        self._idle = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.hold = HoldFile(controller, clock)
        self._unsubscribe = controller.bus.subscribe(self._on_event)

    # -- lifecycle ----------------------------------------------------------------------
    async def start(self) -> None:
        self._scheduler.start(paused=True)  # a job store: our loop does the firing
        self.hold.restore()
        self._restore_decided()
        self._record_missed_since_last_run()
        self._replan()
        self._tasks = [
            asyncio.create_task(self._loop(), name="schedule-runner"),
            asyncio.create_task(self.watch.run(), name="schedule-watch"),
            asyncio.create_task(self._watch_steps(), name="schedule-steps"),
        ]

    async def stop(self) -> None:
        self._unsubscribe()
        self.hold.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    async def reload(self) -> list[str]:
        """Re-reads the files now; returns the error lines (the old schedule stays)."""
        return await self.watch.reload()

    def jobs(self) -> list[Job]:
        """One job per scheduled show, soonest first; `next_run_time` is its next start."""
        return sorted(self._scheduler.get_jobs(), key=lambda job: job.next_run_time)

    # -- the plan -----------------------------------------------------------------------
    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.time(), self._tz)

    def _monotonic(self, at: datetime) -> float:
        """The monotonic instant of wall instant `at`, from the clocks' present difference."""
        return self.clock.monotonic() + (at.timestamp() - self.clock.time())

    def _replan(self) -> None:
        """Jobs from the schedule in force; starts already handled are not planned again."""
        config = self.controller.config
        self._schedule, self._tz = config.schedule, ZoneInfo(config.venue.timezone)
        self._scheduler.remove_all_jobs()
        after = self._now() - timedelta(seconds=self._schedule.policy.missed_grace)
        for show in scheduled_shows(self._schedule):
            trigger = CalendarTrigger(self._schedule, self._tz, show)
            first = self._unhandled(trigger, trigger.get_next_fire_time(None, after))
            if first is not None:
                self._scheduler.add_job(self._start, trigger, args=(show,), id=show,
                                        name=show, next_run_time=first)
        self._changed.set()
        self._publish()

    def _publish(self) -> None:
        now = self._now()
        old = now - timedelta(days=2)
        self._status = {key: v for key, v in self._status.items() if key[0] > old}
        self._outcome = {key: v for key, v in self._outcome.items() if key[0] > old}
        today = starts(self._schedule, self._tz, now.date(), 1)
        jobs = self.jobs()
        self._next = (jobs[0].next_run_time, jobs[0].name) if jobs else None
        warning = self._forecast()
        if warning and warning != self._warning:  # logged once, when it appears or changes
            self._say(f"{warning} ({when(jobs[0].next_run_time)})")
        self._warning = warning
        self.controller.set_schedule_info({
            "next": {"at": jobs[0].next_run_time.isoformat(), "show": jobs[0].name,
                     "title": self._title(jobs[0].name), "warning": self._warning}
            if jobs else None,
            "today": [
                {"at": s.at.isoformat(), "show": s.show, "title": self._title(s.show),
                 "status": self._status.get((s.at, s.show), "due"),
                 "outcome": self._outcome.get((s.at, s.show))}
                for s in today
            ],
        })

    def _title(self, show: str) -> str:
        found = self.controller.config.shows.get(show)
        return (found.title or found.id) if found else show

    def _forecast(self) -> str | None:
        """The next start's trouble, from WARN_AHEAD before it."""
        if self._next is None:
            return None
        at, show = self._next
        until = at.timestamp() - self.clock.time()
        if until > WARN_AHEAD:
            return None
        try:
            missing = self.controller.offline_for(show)
        except CommandError:
            missing = []
        ctl = self.controller
        loaded = ctl.show
        if ctl.state != "idle":  # how long it still runs, or would run after a GO
            situation = ctl.status()
            if loaded is not None and situation.get("show"):
                situation["show"] = {**situation["show"], "preroll": loaded.preroll}
        else:
            situation = {"state": ctl.state, "schedule": {"held": ctl.schedule_held},
                         "show": None}
        return forecast(situation, show, f"{at:%H:%M} {self._title(show)}", until,
                        self._schedule.policy, missing, len(ctl.venue.devices), at=at)

    def _recheck(self) -> None:
        """After a change of state or devices: a new forecast is published at once."""
        if self._forecast() != self._warning:
            self._publish()

    def _restore_decided(self) -> None:
        """What the history says the schedule decided since yesterday (a restart): those
        starts are not decided again, and today's statuses show them as they were."""
        if self.history is None:
            return
        since = datetime.combine(self._now().date() - timedelta(days=1), datetime.min.time(),
                                 self._tz)
        for row in self.history.decided(since.timestamp()):
            if row["scheduled"] is not None:
                key = (datetime.fromtimestamp(row["scheduled"], self._tz), row["show"])
                self._status.setdefault(key, STATUS[row["kind"]])
                if row["kind"] == "run" and row.get("outcome"):
                    self._outcome.setdefault(key, row["outcome"])

    def adopt(self, today: list[dict[str, Any]]) -> None:
        """Starts the other controller decided before this one took over (its status()'s
        `schedule.today`, replicated: docs/standby.md): not decided again. Call before
        `start`."""
        for entry in today:
            if entry.get("status") not in ("done", "skipped", "missed"):
                continue
            try:
                at = datetime.fromisoformat(str(entry["at"])).astimezone(self._tz)
            except (KeyError, ValueError):
                continue
            key = (at, str(entry.get("show")))
            self._status.setdefault(key, str(entry["status"]))
            if entry.get("outcome"):
                self._outcome.setdefault(key, str(entry["outcome"]))

    def _record_missed_since_last_run(self) -> None:
        """Today's starts that passed while the controller was down (beyond the grace):
        those after the last start the schedule decided, each in the history, one log line."""
        now, policy = self._now(), self._schedule.policy
        since = datetime.combine(now.date(), datetime.min.time(), self._tz)
        decided = [at for at, _ in self._status]
        last = max(decided, default=None)
        missed = [start for start in starts(self._schedule, self._tz, now.date(), 1)
                  if since <= start.at and (last is None or start.at > last)
                  and (start.at, start.show) not in self._status
                  and start.at.timestamp() < now.timestamp() - policy.missed_grace]
        reason = "the controller was not running"
        for start in missed:
            self._finish(start.at, start.show, "miss", reason, quiet=True)
        if len(missed) == 1:
            self._say(f"scheduled {missed[0].show} at {when(missed[0].at)} missed: {reason}")
        elif missed:
            self._say(f"{len(missed)} starts today before {when(now)} were missed: {reason} "
                      f"({missed[0].at:%H:%M} ... {missed[-1].at:%H:%M})")

    # -- the loop -----------------------------------------------------------------------
    async def _loop(self) -> None:
        while True:
            self._changed.clear()
            jobs = self.jobs()
            now = self._now()
            midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(),
                                        self._tz)
            wake = self._monotonic(midnight)  # "today" changes at midnight
            if jobs:
                preload = self._monotonic(jobs[0].next_run_time) - self._schedule.policy.preload
                wake = min(wake, preload)
                warn = self._monotonic(jobs[0].next_run_time) - WARN_AHEAD
                if self.clock.monotonic() < warn:  # its forecast is published from then
                    wake = min(wake, warn)
            if not await self._wait(wake, self._changed):
                continue  # the plan changed: look again
            if jobs:  # the wall clock may have stepped unnoticed: the wall decides
                preload = self._monotonic(jobs[0].next_run_time) - self._schedule.policy.preload
            if jobs and self.clock.monotonic() >= preload - STEP:
                job = jobs[0]
                try:
                    await job.func(*job.args)
                except Exception as exc:  # a start must never stop the schedule
                    log.exception("scheduled start of %s at %s failed", job.name,
                                  when(job.next_run_time))
                    self._finish(job.next_run_time, job.name, "skip", f"internal error: {exc}")
                self._advance(job.name)
            self._publish()

    async def _watch_steps(self) -> None:
        """A wall-clock step (NTP) re-plans: starts are decided on the wall clock, waits on
        the monotonic one, so every wait is worked out again from the new wall time. A
        start already decided stays decided (no double start after a step back); starts a
        step ahead skipped are run late within `missed_grace`, missed beyond it."""
        while True:
            step = await self.clock.stepped()
            self._say(f"the wall clock stepped {step:+.0f} s (now {when(self._now())}): "
                      "schedule re-planned")
            self._changed.set()

    def _unhandled(self, trigger: CalendarTrigger, at: datetime | None) -> datetime | None:
        """`at`, or the trigger's first start after it that was not yet handled."""
        while at is not None and (at, trigger.show) in self._status:
            at = trigger.get_next_fire_time(at, self._now())
        return at

    def _advance(self, show: str) -> None:
        """Moves the show's job (as it is now: a reload may have replaced it) on."""
        job = self._scheduler.get_job(show)
        if job is None:
            return
        later = self._unhandled(job.trigger, job.next_run_time)
        try:
            if later is None:
                job.remove()
            else:
                job.modify(next_run_time=later)
        except JobLookupError:
            pass

    async def _wait(self, deadline: float, event: asyncio.Event) -> bool:
        """True when `deadline` came, False when `event` was set first."""
        return await wait_until(self.clock, deadline, event)

    async def _start(self, show: str) -> None:
        """The show's job's next start, decided at its preload instant (or later, if late)."""
        job = self._scheduler.get_job(show)
        if job is None:
            return
        at, policy = job.next_run_time, self._schedule.policy
        late = self.clock.time() - at.timestamp()
        if late > policy.missed_grace:
            reason = f"{late:.0f} s late (grace {policy.missed_grace:g} s)"
            return self._finish(at, show, "miss", reason)
        if self.controller.busy:
            limit = at if policy.if_busy == "skip" else self._next_preload(at)
            self._idle.clear()
            await self._wait(self._monotonic(limit), self._idle)
            if self.controller.busy:
                running = self.controller.show.id if self.controller.show else "a show"
                return self._finish(at, show, "skip", f"{running} still running")
        if self.controller.schedule_held:
            return self._finish(at, show, "skip", "the schedule is held")
        if not should_be_on(self._schedule, self._tz, at):
            return self._finish(at, show, "skip", "the room is asleep then (schedule power "
                                "plan): move the start or the power times")
        missing, despite = self.controller.offline_for(show), None
        if missing:
            offline = offline_text(missing, len(self.controller.venue.devices))
            if policy.if_devices_missing == "skip":
                return self._finish(at, show, "skip", f"{offline} (if_devices_missing: skip)")
            self._say(f"scheduled {show} at {when(at)} starts with {offline}")
            despite = f"{offline} (if_devices_missing: start)"  # the start_devices_missing alert
        deadline = self._monotonic(at)
        try:  # on time: t=0 exactly at the start; late: as soon as the screens preroll
            on_time = deadline > self.clock.monotonic()
            self.controller.start(show, by=BY, at=deadline if on_time else None,
                                  reason=despite)
        except CommandError as exc:
            return self._finish(at, show, "skip", str(exc))
        self._status[(at, show)] = "done"
        self._running = (at, show)
        if self.history is not None:
            self.history.scheduled(show, at.timestamp())
        self._prerolling = (at, show) if self.controller.state == "prerolling" else None

    def _next_preload(self, at: datetime) -> datetime:
        """A queued start waits at most until the next start's preload (or a day)."""
        later = next_start(self._schedule, self._tz, at)
        limit = later.at if later else at + timedelta(days=1)
        return limit - timedelta(seconds=self._schedule.policy.preload)

    def _finish(self, at: datetime, show: str, kind: Literal["skip", "miss"], reason: str, *,
                quiet: bool = False) -> None:
        """Records a start that did not happen: a run event for the history, a log line
        (unless `quiet`: the caller says it once for several)."""
        self._status[(at, show)] = STATUS[kind]
        self.controller.not_started(show, by=BY, event=kind, reason=reason,
                                    scheduled=at.isoformat())
        if not quiet:
            self._say(f"scheduled {show} at {when(at)} {STATUS[kind]}: {reason}")

    def _say(self, message: str) -> None:
        """A warning in the log and on the dashboard."""
        self.controller.announce(message, level="warning")

    def _on_event(self, event: Event) -> None:
        if event.kind == FILES and self._tasks:  # new files in force: plan from them
            self._replan()
        if self._tasks and (event.kind in (STATE, DEVICE) or (
                event.kind == SCHEDULE and event.data.get("held") != self._held)):
            self._held = bool(event.data.get("held")) if event.kind == SCHEDULE else self._held
            asyncio.get_running_loop().call_soon(self._recheck)
        if event.kind == RUN and event.data.get("event") == "end" and self._running:
            if event.data.get("by") == BY and event.data.get("show") == self._running[1]:
                self._outcome[self._running] = str(event.data.get("outcome"))
                asyncio.get_running_loop().call_soon(self._publish)
            self._running = None
        if event.kind == STATE:
            if not self.controller.busy:
                self._idle.set()
            if event.data.get("state") != "prerolling":
                self._prerolling = None
        elif event.kind == SCHEDULE and event.data.get("held") and self._prerolling:
            # Held after the preload, before its start: that start does not happen either.
            asyncio.get_running_loop().call_soon(self._cancel_prerolling)

    def _cancel_prerolling(self) -> None:
        if self._prerolling is None or self.controller.state != "prerolling":
            return
        at, show = self._prerolling
        self._prerolling = None
        try:
            self.controller.stop(0, by=BY)
        except CommandError:
            return
        self._finish(at, show, "skip", "the schedule is held")
        self._publish()
