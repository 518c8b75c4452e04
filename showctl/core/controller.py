"""`Controller`: the one API of the core (docs/architecture.md). Every face calls these
methods and listens on `bus`; none reaches into the engine."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
from collections import deque
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any, Concatenate, Literal, ParamSpec, TypeVar, get_args

from showctl.core import events
from showctl.core.chase import Chase
from showctl.core.check import CheckResult, RoomFacts, run_check
from showctl.core.clock import Clock, wait_until
from showctl.core.engine import Engine
from showctl.core.errors import BadArgument, CommandError, NotFound
from showctl.core.media import MediaBook
from showctl.core.mix import check_level
from showctl.core.plan import Plan, compile_plan
from showctl.core.power import PowerReport, PowerSequence
from showctl.core.presence import Presence
from showctl.core.transport import BUSY, TransportState
from showctl.files.loader import Config, LastGood, keep_previous_shows, load_config
from showctl.files.offloop import release
from showctl.model import Show, Venue
from showctl.model.player_status import PlayerStatus
from showctl.model.show import TestPattern
from showctl.outputs.actions import Black, Pattern
from showctl.timecode import TimeFormatError, format_time, parse_time

log = logging.getLogger(__name__)

MAX_FADE = 600.0
"""Longest stop fade a face may ask for: ten minutes is a slow house fade; more is a typo
that would leave the room in `stopping`, refusing every command but panic."""


Reader = Callable[[Path, LastGood], Awaitable[Config]]
"""How `reload` reads the files. The service reads them in a worker process, off the loop
(`showctl.files.offloop.FileReader`); the default reads them at once, on the loop, which
keeps tests on a FakeClock deterministic and suits tools that run no show."""


async def read_here(path: Path, last_good: LastGood) -> Config:
    return load_config(path, last_good)


P = ParamSpec("P")
R = TypeVar("R")


def command(
    method: Callable[Concatenate[Controller, P], R],
) -> Callable[Concatenate[Controller, P], R]:
    """A command: refused from inside an event listener (it would run in the middle of
    another command's events); its own events go out once it has completed."""

    def run(self: Controller, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if self.bus.delivering:
            raise CommandError(f"{method.__name__} refused: commands cannot be issued from "
                               "inside an event listener (hand it on with loop.call_soon)")
        if self.gate is not None:
            self.gate(method.__name__)  # a standby controller's refusal (docs/standby.md)
        with self.bus.held():
            return method(self, *args, **kwargs)

    functools.update_wrapper(run, method)  # not @wraps: its _Wrapped type hides the signature
    return run


class Controller:
    def __init__(self, config: Config, clock: Clock, *, bus: events.EventBus | None = None,
                 reader: Reader = read_here):
        self._config = config
        self.clock = clock
        self.bus = bus or events.EventBus()
        self.engine = Engine(config.venue, clock, self.bus)
        self._reader = reader
        self._reloading = asyncio.Lock()
        self._loaded_at = clock.time()  # wall time the files in force were read
        self._pending_venue: Venue | None = None
        self._schedule_held = False
        self._schedule_info: dict[str, Any] = {"next": None, "today": []}
        self._counters: dict[str, int] = {}
        self._alerts: deque[dict[str, Any]] = deque(maxlen=20)
        self.power = PowerSequence(lambda: self.venue, clock, self.bus)
        self._check: CheckResult | None = None
        self.media = MediaBook(lambda: self._config, lambda: self.busy, clock.time)
        self._started_at = clock.time()
        self._restart: dict[str, Any] | None = None
        self._storage: dict[str, Any] = {"ok": True, "failing": {}, "since": None}
        self._uses: dict[str, tuple[Show, Venue, list[str]]] = {}  # the devices each show uses
        self._releasing: set[asyncio.Task[None]] = set()  # files replaced, let go of slowly
        self.realtime: dict[str, Any] = {"mode": "off", "policy": "SCHED_OTHER", "priority": 0,
                                         "memory_locked": False, "note": "not applied"}
        """The dispatcher's scheduling, as the process that runs it set it up
        (showctl/realtime.py); status() adds how long the dispatcher spun."""
        self.engine.on_idle = self._apply_pending_venue
        self.gate: Callable[[str], None] | None = None
        """Called with each command's name before it runs: raises CommandError to refuse it
        (the standby controller refuses what only the active may do; docs/standby.md)."""
        self.standby_status: Callable[[], dict[str, Any]] | None = None
        """`status()["standby"]` when the venue has two controllers (showctl/standby)."""
        self.presence = Presence(self, clock, self.bus)
        """Devices' liveness and players' reports (core/presence.py)."""
        self.engine.on_answer = self.presence.answered
        self.engine.resolver.on_change.append(self.presence.addresses_changed)
        self.presence.addresses_changed()
        self._report_files()
        found = config.venue.timecode.input
        self.chase = Chase(self, found, clock) if found and found.kind != "mtc" else None
        """The show slaved to an external timecode (core/chase.py): reads once a loop runs."""
        if self.chase is not None:
            with contextlib.suppress(RuntimeError):  # no loop yet: the caller starts it
                self.chase.start()

    # -- properties -------------------------------------------------------------------
    @property
    def config(self) -> Config:
        return self._config

    @property
    def venue(self) -> Venue:
        """The venue in force: a reloaded one takes over only once no show is loaded."""
        return self.engine.venue

    @property
    def state(self) -> TransportState:
        return self.engine.state

    @property
    def show(self) -> Show | None:
        return self.engine.plan.show if self.engine.plan else None

    @property
    def schedule_held(self) -> bool:
        return self._schedule_held

    @property
    def busy(self) -> bool:
        return self.engine.state in BUSY

    # -- transport --------------------------------------------------------------------
    @command
    def load(self, show: str, *, by: str) -> None:
        found = self._show(show)
        self._apply_pending_venue()
        self.engine.load(found)
        self._log(f"{by}: load {found.id}")

    @command
    def start(self, show: str, *, by: str, at: float | None = None,
              reason: str | None = None) -> None:
        """`reason`: why the start goes ahead though something is wrong (the schedule's
        `if_devices_missing: start`), in the run event: alerts act on it."""
        found = self._show(show)
        if self.engine.state not in (TransportState.IDLE, TransportState.LOADED):
            raise CommandError(f"cannot start while {self.engine.state}: " + (
                "the show is stopping: start once it is idle (Stop again to cut at once)"
                if self.engine.state == TransportState.STOPPING else "stop the show first"))
        self._apply_pending_venue()
        self.engine.load(found)
        self.engine.go(by, at, reason)
        self._log(f"{by}: start {found.id}")

    @command
    def rejoin(self, show: str, t: float, *, by: str, hold_at: float | None = None,
               t0: float | None = None) -> None:
        """After a restart: the show taken back at show time `t` (or holding at `hold_at`)
        with the players that kept playing left as they are (Engine.rejoin). `t0`: the
        monotonic instant of show time 0 instead (a takeover keeps the other controller's
        anchor exactly: `t` is worked out from it at the last moment)."""
        found = self._show(show)
        self._apply_pending_venue()
        self.engine.rejoin(found, t, by, hold_at, t0)
        self._log(f"{by}: rejoined {found.id} at {t:.3f} s"
                  + (f", holding at {hold_at:g} s" if hold_at is not None else ""))

    @command
    def go(self, *, by: str, at: float | None = None) -> None:
        self.engine.go(by, at)
        self._log(f"{by}: go")

    @command
    def pause(self, *, by: str) -> None:
        self.engine.pause()
        self._log(f"{by}: pause")

    @command
    def resume(self, *, by: str) -> None:
        self.engine.resume()
        self._log(f"{by}: resume")

    @command
    def stop(self, fade: float | None = None, *, by: str) -> None:
        if fade is not None and not (math.isfinite(fade) and 0 <= fade <= MAX_FADE):
            raise BadArgument(f"fade {fade:g} must be 0 to {MAX_FADE:g} seconds")
        self.engine.stop(self._config.venue.safe_look.fade if fade is None else float(fade),
                         by)
        self._log(f"{by}: stop")

    @command
    def panic(self, *, by: str, interrupted: str | None = None) -> None:
        """`interrupted`: why the run is cut short though nobody chose to (shutdown,
        restart); the history then records it as interrupted, not as a panic."""
        self.engine.panic(by, interrupted)
        self._log(f"{by}: PANIC" + (f" ({interrupted})" if interrupted else ""),
                  level="warning")

    @command
    def seek(self, to: float | str, *, by: str) -> dict[str, Any]:
        """Returns where the playhead went: `{"time", "cue"}` (the cue now current)."""
        plan = self.engine.plan
        if plan is None:
            raise CommandError(f"cannot seek while {self.engine.state}: " + (
                "wait until it is idle, then load a show" if self.engine.state == "stopping"
                else "load a show first"))
        if isinstance(to, str):
            t = seek_target(plan, to)
        elif isinstance(to, bool) or not isinstance(to, int | float) or to != to:
            raise BadArgument(f"{to!r} is not a time")
        else:
            t = float(to)
        if not 0 <= t <= plan.length:
            raise BadArgument(f"{t:g} s is outside the show (0 to {plan.length:g} s)")
        self.engine.seek(t)
        cue = _cue_json(self.engine.current)
        self._log(f"{by}: seek to {t:g}" + (f" (cue {cue['id']})" if cue else ""))
        return {"time": round(t, 3), "cue": cue}

    @command
    def fire(self, cue_id: str, *, by: str) -> None:
        plan = self.engine.plan
        if plan is not None:
            try:
                plan.cue_index(cue_id)
            except KeyError:
                raise NotFound(f"no cue {cue_id!r} in {plan.show.id}") from None
        self.engine.fire(cue_id)
        self._log(f"{by}: fired cue {cue_id}")

    @command
    def pattern(self, kind: str, screens: str | list[str | int] | None = None, *,
                by: str) -> list[str]:
        """A test pattern on the screens (all by default) now, drawn by the players
        (`off`: black again): refused while a show is loaded or playing (setting up is
        not showing)."""
        kinds = (*get_args(TestPattern.model_fields["kind"].annotation), "off")
        if kind not in kinds:
            raise BadArgument(f"unknown pattern {kind!r} (patterns: {', '.join(kinds)})")
        if self.engine.state != TransportState.IDLE:
            raise CommandError(f"a test pattern only on an idle room: the show is "
                               f"{self.engine.state} (stop it first)")
        try:
            chosen = self.venue.resolve_screens(
                "all" if screens is None else screens if isinstance(screens, str)
                else tuple(screens))
        except KeyError as exc:
            raise NotFound(f"no screen {exc.args[0]} in the venue") from None
        self.engine.out.send_now([Black(device, 0.0) if kind == "off" else Pattern(device, kind)
                                  for device in chosen])
        self._log(f"{by}: test pattern {kind} on {', '.join(chosen) or 'no screen'}")
        return list(chosen)

    # -- sound ------------------------------------------------------------------------
    @command
    def set_volume(self, db: float, fade: float = 0.0, *, by: str) -> None:
        """The room's master volume (dB, -80 silent to +12), on top of every cue's level;
        audio devices follow at once, over `fade` seconds. Allowed in any state."""
        try:
            db, fade = check_level(db, fade, MAX_FADE)
        except ValueError as exc:
            raise BadArgument(str(exc)) from None
        self.engine.set_volume(db, fade, by)
        self._log(f"{by}: master volume {db:+g} dB" + (f" over {fade:g} s" if fade else ""))

    @property
    def volume(self) -> float:
        """The master volume in force (dB)."""
        return self.engine.out.master.db

    # -- two controllers (docs/standby.md) -------------------------------------------
    def mute(self, muted: bool) -> None:
        """Nothing leaves for any device while muted (the standby controller's outputs)."""
        self.engine.dispatcher.sender.muted = muted

    @property
    def muted(self) -> bool:
        return self.engine.dispatcher.sender.muted

    def report_standby(self, what: Literal["takeover", "standby", "not_following",
                                           "following"],
                       message: str, *, me: str, peer: str, epoch: int) -> None:
        """The pair's face says what changed (a `standby` event: alerts, dashboard) and
        the line an operator reads."""
        self.bus.publish(events.STANDBY, what=what, me=me, peer=peer, epoch=epoch,
                         message=message)
        self._log(message, "info" if what == "following" else
                  "error" if what == "not_following" else "warning")

    def set_epoch(self, epoch: int) -> None:
        """The controller's term, carried by every player clock from now on."""
        self.engine.out.players.epoch = int(epoch)

    def timeline(self) -> dict[str, Any]:
        """Where the timeline stands, exactly, for the other controller: `t0_wall`/`t0_mono`
        (show time 0 on both clocks, while it moves) and `frozen` (the show time while it
        stands still). Wall times are what the two machines share (chrony)."""
        engine = self.engine
        t0 = engine.t0()
        anchor = engine.anchor
        holding = engine.state == TransportState.HOLDING
        return {"t0_mono": t0,
                "t0_wall": None if t0 is None else anchor.timetag(t0).wall,
                "frozen": engine.show_time() if t0 is None or holding else None}

    # -- schedule, devices, files -----------------------------------------------------
    @command
    def hold_schedule(self, *, by: str) -> None:
        self._schedule_held = True
        self._publish_schedule()
        self._log(f"{by}: schedule held")

    @command
    def release_schedule(self, *, by: str) -> None:
        self._schedule_held = False
        self._publish_schedule()
        self._log(f"{by}: schedule released")

    def set_schedule_info(self, info: dict[str, Any]) -> None:
        self._schedule_info = {"next": info.get("next"), "today": list(info.get("today", []))}
        self._publish_schedule()

    def offline_for(self, show: str) -> list[str]:
        """The devices `show` acts on that are offline now (what a GO would miss)."""
        found, venue = self._show(show), self.venue
        known = self._uses.get(found.id)
        if known is None or known[0] is not found or known[1] is not venue:
            try:
                plan = compile_plan(found, venue)
            except KeyError:
                return []
            used = {d for cue in plan.cues for d in cue.devices}
            known = self._uses[found.id] = (found, venue,
                                            [d.id for d in venue.devices if d.id in used])
        return self.engine.devices.offline_of(known[2])

    def report_restart(self, show: str, state: str, done: str, *,
                       stopped_at: dict[str, Any] | None = None,
                       advice: str | None = None) -> None:
        """The service says the controller restarted during a show and what it did about
        it: kept in status()["restart"] (the dashboard's banner) and logged. `show` is
        the id (integrators); `title` names it for people, the id when it has no title or
        is no longer in the library. `stopped_at`: where the show stood (`time`, `cue`,
        `text`); `advice`: what the operator can do now."""
        found = self._config.shows.get(show)
        self._restart = {"show": show, "title": (found.title or found.id) if found else show,
                         "state": state, "done": done, "at": self.clock.time(),
                         "stopped_at": stopped_at, "advice": advice}
        where = f" (where it stood: {stopped_at['text']})" if stopped_at else ""
        self._log(done + where + (f"; {advice}" if advice else ""), level="warning")

    def heartbeat(self, device_id: str, *, source: str | None = None) -> None:
        """A device says it is alive (Presence.heartbeat: from its own address only)."""
        self.presence.heartbeat(device_id, source=source)

    def player_status(self, status: PlayerStatus, *, source: str | None = None) -> None:
        """A player's report (Presence.player_status)."""
        self.presence.player_status(status, source=source)

    def input_behind(self, lost: int = 0) -> None:
        """An input face cannot keep up and lost `lost` datagrams (Presence.input_behind)."""
        self.presence.input_behind(lost)

    async def reload(self) -> list[str]:
        """Reads every file again off the loop, then swaps on the loop: the good shows
        take effect at once, a new venue once no show is loaded. A rejected file keeps
        its last good version in force (the venue and schedule in force, a show's
        previous version). Returns the error lines (also logged, and in `status()`)."""
        if self.bus.delivering:
            raise CommandError("reload refused: commands cannot be issued from inside an "
                               "event listener (hand it on with loop.call_soon)")
        path = self._config.venue.source
        if path is None:
            return ["the venue was not loaded from a file: nothing to reload"]
        async with self._reloading:
            old = self._config
            saved = min(old.last_good.values(), default=self._loaded_at)
            try:
                config = await self._reader(path, LastGood(old.venue, old.schedule, saved))
            except CommandError as exc:
                lines = getattr(exc, "lines", None) or [str(exc)]
                for line in lines:
                    self._log(f"file rejected: {line}", level="error")
                self._log(f"reload refused: {len(lines)} error(s)", level="error")
                return lines
            with self.bus.held():
                if not config.last_good:
                    self._loaded_at = self.clock.time()
                self._config = keep_previous_shows(config, old)
                self._pending_venue = config.venue
                if self.engine.state == TransportState.IDLE:
                    self._apply_pending_venue()
                lines = self._report_files(publish=True)
                self._log(f"files reloaded: {len(self._config.shows)} show(s)"
                          + (f", {len(self._config.rejected)} file(s) rejected"
                             if self._config.rejected else ""),
                          level="warning" if lines else "info")
                self.bus.publish(events.FILES, **self.files_status())
            self._uses = {show_id: known for show_id, known in self._uses.items()
                          if self._config.shows.get(show_id) is known[0]}
            self._retire(old)
            del old  # the release below holds the replaced files alone now
            return lines

    def _retire(self, old: Config) -> None:
        """The files a reload replaced are freed a slice at a time (files.offloop.release):
        a big show freed at once would hold the loop for milliseconds."""
        task = asyncio.get_running_loop().create_task(release(old), name="release files")
        self._releasing.add(task)
        task.add_done_callback(self._releasing.discard)

    def files_status(self) -> dict[str, Any]:
        """The files in force: show ids, each rejected file with its errors and what stands
        in for it, and which of venue/schedule runs on a last good copy (saved when)."""
        config = self._config
        kept = {config.show_paths[show_id] for show_id in config.kept}
        stand_ins = {config.venue.source: "venue", config.schedule_path: "schedule"}

        def in_force(path: Path) -> str | None:
            if path in kept:
                return "previous version"
            kind = stand_ins.get(path)
            return "last good copy" if kind in config.last_good else None

        return {
            "shows": sorted(config.shows),
            "rejected": [{"path": str(path), "errors": [str(e) for e in errors],
                          "in_force": in_force(path)}
                         for path, errors in sorted(config.rejected.items())],
            "last_good": dict(config.last_good),
        }

    def _report_files(self, *, publish: bool = False) -> list[str]:
        """Logs each rejected file's errors (with `publish`, on the bus too), and a venue
        or schedule running on its last good copy; returns the error lines."""
        config, lines = self._config, []
        for errors in config.rejected.values():
            lines += [str(error) for error in errors]
        notes = [f"the {kind} file is invalid: its last good version (saved "
                 f"{datetime.fromtimestamp(saved).isoformat(' ', 'seconds')}) stays in "
                 "force until the file is fixed"
                 for kind, saved in sorted(config.last_good.items())]
        for line in [f"file rejected: {line}" for line in lines] + notes:
            if publish:
                self._log(line, level="error")
            else:
                log.error("%s", line)
        return lines

    def report_storage(self, failing: dict[str, str]) -> None:
        """The service says which state files cannot be written (file -> why; empty:
        written again): status()["storage"], a `storage` event (alert, dashboard), a log
        line. While one fails, a restart would resume from a stale place."""
        ok = not failing
        if ok == self._storage["ok"] and failing == self._storage["failing"]:
            return
        self._storage = {"ok": ok, "failing": dict(failing), "since": self.clock.time()}
        self.bus.publish(events.STORAGE, ok=ok, failing=dict(failing))
        if ok:
            self._log("state files written again in state_dir", level="info")
        else:
            files = ", ".join(f"{name} ({why})" for name, why in sorted(failing.items()))
            self._log(f"cannot write the state in state_dir: {files}; a restart now would "
                      "resume from an older run state", level="error")

    def announce(self, message: str, *, level: events.LogLevel = "info") -> None:
        """An operator-facing line from a face (the log, the dashboard's event log)."""
        self._log(message, level)

    def not_started(self, show: str, *, by: str, event: Literal["skip", "miss"], reason: str,
                    scheduled: str) -> None:
        """A start the schedule decided not to make (ISO `scheduled` instant), for the
        history and the dashboard."""
        self.bus.publish(events.RUN, self.clock.time(), show=show, by=by, event=event,
                         outcome=None, reason=reason, scheduled=scheduled)

    def count(self, name: str, n: int = 1) -> None:
        self._counters[name] = self._counters.get(name, 0) + n

    # -- the room's day (coroutines: they converse with devices for seconds) ----------
    async def power_on(self, *, by: str) -> PowerReport:
        """Wake the PCs, projectors on through their warm-up, then the self-check."""
        self._log(f"{by}: power on")
        report = await self.power.on(by=by)
        await self._booted(self.venue.check.warm_up_timeout)
        await self.check(by=by)
        self._log(f"power on {'done' if report.ok else 'FAILED'}: " + _steps(report),
                  "info" if report.ok else "error")
        return report

    async def power_off(self, *, by: str) -> PowerReport:
        """The show ends (black, safe look), then projectors off."""
        self._log(f"{by}: power off")
        report = await self.power.off(by=by, safe=lambda: self._to_safe_look(by))
        self._log(f"power off {'done' if report.ok else 'FAILED'}: " + _steps(report),
                  "info" if report.ok else "error")
        return report

    async def check(self, *, by: str) -> CheckResult:
        status = self.status()
        files = status.get("files") or {}
        today = [s["show"] for s in status["schedule"].get("today", ())
                 if s.get("status") == "due"]
        facts = RoomFacts(self.venue, dict(self._config.shows), status["devices"], today,
                          _rejected(files),
                          tuple((status.get("standby") or {}).get("findings") or ()))
        result = await run_check(facts, at=self.clock.time(), by=by,
                                 projectors=self.power.projector_states,
                                 unverified=self.media.unverified)
        self._check = result
        visual = self.venue.check.visual
        if visual is not None and self.engine.state == TransportState.IDLE:
            self.pattern(visual, by=f"{by} (self-check's visual step)")
        self.bus.publish(events.CHECK, self.clock.time(), **result.as_json())
        if result.ready:
            self._log("self-check: ready")
        else:
            lines = "; ".join(f"{f.device or 'room'}: {f.message}" for f in result.findings)
            self._log(f"self-check: NOT READY ({lines})", "warning")
        return result

    def media_status(self, player: str | None = None) -> dict[str, Any]:
        """Per player: media needed, verified, missing, wrong, bytes to go, free disk."""
        return self.media.status(player)

    def media_sync(self, player: str | None = None, *, verify: bool = False,
                   by: str) -> dict[str, int]:
        """Asks the players' media agents (or one) to fetch what is missing or wrong;
        `verify`: re-hash every copy first (bit rot keeps size and date)."""
        asked = self.media.request_sync(player, verify=verify)
        self._log(f"{by}: media sync asked of {', '.join(asked) or 'no player'}"
                  + (" (full verify)" if verify else ""))
        return asked

    async def _to_safe_look(self, by: str) -> None:
        if self.engine.state == "idle":
            self.engine.panic()  # black and the safe look, whatever was left on
            return
        idle = asyncio.Event()
        unsubscribe = self.bus.subscribe(
            lambda e: idle.set() if e.kind == events.STATE and e.data.get("state") == "idle"
            else None)
        try:
            if self.engine.state != "stopping":
                self.stop(by=by)
            await idle.wait()
        except CommandError:
            self.panic(by=by)
        finally:
            unsubscribe()

    async def _booted(self, within: float) -> None:
        """Until every woken PC answers (its player's status), or `within` seconds."""
        woken = [d.id for d in self.venue.devices if d.mac]
        answered = asyncio.Event()

        def on_device(event: events.Event) -> None:
            if event.kind == events.DEVICE and all(self.engine.devices.online.get(d)
                                                   for d in woken):
                answered.set()

        if not woken or all(self.engine.devices.online.get(d) for d in woken):
            return
        unsubscribe = self.bus.subscribe(on_device)
        try:
            await wait_until(self.clock, self.clock.monotonic() + within, answered)
        finally:
            unsubscribe()

    def record_alert(self, **delivery: Any) -> None:
        """The alert service says what it sent, or failed to send (status, dashboard,
        metrics): {target, title, kinds, status: sent|retrying|failed, error, attempt}."""
        entry = {"at": self.clock.time(), **delivery}
        self._alerts.append(entry)
        if entry["status"] in ("sent", "failed"):
            self.count(f"alerts.{entry['status']}")
        self.bus.publish(events.ALERT, **entry)

    # -- state --------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        engine, venue = self.engine, self.engine.venue
        plan, now = engine.plan, self.clock.monotonic()
        time = round(engine.show_time(), 3) if plan else 0.0
        current, upcoming = engine.current, engine.next_cue
        levels: dict[str, int] = {}
        for stream in engine.streams.values():
            levels.update({str(ch): v for ch, v in stream.mixer.levels(now).items()})
        lights = next(iter(engine.devices.lights.values()), None)
        return {
            "venue": venue.venue,
            "timezone": venue.timezone,
            "state": engine.state,
            "state_since": engine.state_since,
            "show": {"id": plan.show.id, "title": plan.show.title, "length": plan.length,
                     "load": engine.loads} if plan else None,
            "time": time,
            "remaining": round(max(0.0, plan.length - time), 3) if plan else None,
            "current_cue": _cue_json(current),
            "next_cue": _cue_json(upcoming),
            "started_by": engine.started_by,
            "devices": engine.devices.as_json(now, engine.out.master.db),
            "volume": engine.out.master.as_json(),
            "lighting": {"lights": lights, "levels": levels},
            "timecode": {"outputs": engine.out.timecode.status(),
                         "input": self.chase.status() if self.chase else None},
            "schedule": {"held": self._schedule_held, **self._schedule_info},
            "counters": dict(self._counters),
            "alerts": list(self._alerts),
            "power": self.power.as_json(),
            "check": self._check.as_json() if self._check else None,
            "realtime": {**self.realtime, **_spins(self.clock)},
            "started_at": self._started_at,
            "restart": self._restart,
            "storage": dict(self._storage),
            "files": self.files_status(),
            "standby": self.standby_status() if self.standby_status else None,
        }

    async def close(self) -> None:
        """Stops the core's timers and closes its socket (the service's shutdown)."""
        if self.chase is not None:
            await self.chase.close()
        await self.presence.close()
        for task in list(self._releasing):
            task.cancel()
        await asyncio.gather(*self._releasing, return_exceptions=True)
        await self.engine.close()

    # -- inside -------------------------------------------------------------------------
    def _show(self, name: str) -> Show:
        if name in self._config.shows:
            return self._config.shows[name]
        known = ", ".join(sorted(self._config.shows)) or "none"
        raise NotFound(f"no show {name!r} (shows: {known})")

    def _apply_pending_venue(self) -> None:
        """A venue reloaded during a show takes over as soon as the room is idle again
        (an idle room must not keep running on the old passcode or allow list)."""
        if self._pending_venue is not None and self.engine.state == TransportState.IDLE:
            venue, self._pending_venue = self._pending_venue, None
            before = self.engine.venue.volume
            self.engine.use_venue(venue)
            self.presence.addresses_changed()
            self.presence.restart_watch()  # a new heartbeat_timeout applies now
            self.bus.publish(events.VENUE, venue=venue.venue,
                             source=str(venue.source) if venue.source else None)
            if venue.volume != before:  # the installer changed the room's level
                self.engine.set_volume(venue.volume, 0.0, "venue")
                self._log(f"venue: master volume {venue.volume:+g} dB (the venue's changed)")

    def _publish_schedule(self) -> None:
        self.bus.publish(events.SCHEDULE, held=self._schedule_held, **self._schedule_info)

    def _log(self, message: str, level: events.LogLevel = "info") -> None:
        log.log(logging.getLevelName(level.upper()), "%s", message)
        self.bus.publish(events.LOG, level=level, message=message)


def _steps(report: PowerReport) -> str:
    return "; ".join(f"{s.device} {s.message}" for s in report.steps) or "no device to switch"


def _rejected(files: dict[str, Any]) -> dict[str, list[str]]:
    rejected = files.get("rejected") or {}
    if isinstance(rejected, dict):
        return {str(k): list(v) for k, v in rejected.items()}
    return {str(r.get("path")): list(r.get("errors") or ()) for r in rejected}
CUE_PREFIX, TIME_PREFIX = "cue:", "time:"


def seek_target(plan: Plan, text: str) -> float:
    """The show time a seek string names: a cue id or a time (SPEC 1.1). A string that is
    both, naming different instants ("10": cue 10 at 2:30, or 10 s), is refused as
    ambiguous; `cue:10` and `time:10` (or a number argument) say which."""
    if text.startswith(CUE_PREFIX):
        cue_id = text[len(CUE_PREFIX):]
        try:
            return plan.cues[plan.cue_index(cue_id)].at
        except KeyError:
            raise NotFound(f"no cue {cue_id!r} in {plan.show.id}") from None
    if text.startswith(TIME_PREFIX):
        try:
            return parse_time(text[len(TIME_PREFIX):])
        except TimeFormatError as exc:
            raise BadArgument(f"{text!r} is not a time: {exc}") from None
    try:
        cue_at: float | None = plan.cues[plan.cue_index(text)].at
    except KeyError:
        cue_at = None
    try:
        t: float | None = parse_time(text)
    except TimeFormatError as exc:
        if cue_at is None:
            raise BadArgument(f"{text!r} is neither a cue id nor a time: {exc}") from None
        t = None
    if cue_at is not None and t is not None and abs(cue_at - t) > 0.0005:
        raise BadArgument(f"{text!r} is ambiguous: cue {text} (at {format_time(cue_at)}) or "
                          f"{format_time(t)}? Send \"cue:{text}\" or \"time:{text}\" "
                          "(or the time as a number)")
    return cue_at if cue_at is not None else t  # type: ignore[return-value]


def _spins(clock: Clock) -> dict[str, Any]:
    spins = getattr(clock, "spins", None)
    return {"spin": spins.as_json()} if spins is not None else {}


def _cue_json(planned: Any) -> dict[str, Any] | None:
    if planned is None:
        return None
    return {"id": planned.cue.id, "name": planned.cue.name, "at": planned.at}
