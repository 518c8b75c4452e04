"""`showctl run`: the controller as a long-running service (SPEC 2, 5).

Composes the core and every face on one loop, tells systemd when it is ready and that
the loop is alive, and on SIGTERM/SIGINT stops the show safely (black, safe look)
before closing anything. SIGHUP re-reads the files (the scheduler also watches its
own file); a bad file is logged and the running config stays.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from showctl import realtime
from showctl.alerts import AlertService
from showctl.core import events
from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.errors import UserError
from showctl.files import lastgood
from showctl.files.loader import Config, LastGood
from showctl.files.offloop import FileReader
from showctl.history import History
from showctl.logzone import use_zone
from showctl.model import Venue
from showctl.mqtt import MqttFace
from showctl.osc import OscServer
from showctl.realtime import Realtime
from showctl.runstate import RunState
from showctl.scheduling.power import PowerRunner
from showctl.scheduling.runner import ScheduleRunner
from showctl.sdnotify import Notifier
from showctl.sim import Simulator
from showctl.sim.here import Relocation
from showctl.sim.simulator import SIMULATED
from showctl.standby import StandbyFace
from showctl.statefile import on_failures, start_writer, stop_writer, write_json
from showctl.volumefile import VolumeFile
from showctl.web import WebServer

log = logging.getLogger("showctl")
SHUTDOWN_BUDGET = 1.5  # seconds for the faces to close: the process exits within 2 s
LOGGED = (events.STATE, events.CUE, events.DEVICE, events.RUN, events.SCHEDULE)
# (volume changes are logged by the core itself, with who asked)



class Face(Protocol):
    """What the service starts and stops: every face, the history, the simulator."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


class Service:
    """`sim`: the simulated devices, already listening (`start_simulator`): the
    controller's links to them (TCP devices) open as it is built, and must find them."""

    def __init__(self, config: Config, *, sim: Simulator | None = None,
                 realtime: Realtime | None = None, relocation: Relocation | None = None) -> None:
        self.reader = FileReader()
        self.relocation = relocation
        """--simulate with devices of other hosts: they are served here (sim.here), and
        every venue read, reloads too, is given to the controller so."""
        precise = realtime is not None and realtime.active
        self.controller = Controller(config, SystemClock(precise_sleep=precise),
                                     reader=self._read if relocation else self.reader)
        if realtime is not None:
            self.controller.realtime = realtime.as_json()
        venue, clock = config.venue, self.controller.clock
        self.sim = sim
        self.history = History(Path(venue.state_dir) / "history.sqlite3",
                               self.controller.bus, clock, venue.timezone)
        self.run_state = RunState(self.controller)
        self.volume = VolumeFile(self.controller)
        self.osc = OscServer(self.controller)
        self.web = WebServer(self.controller, self.history, demo=sim is not None)
        self.mqtt = MqttFace(self.controller) if venue.mqtt is not None else None
        self.schedule = ScheduleRunner(self.controller, clock, history=self.history)
        self.alerts = AlertService(self.controller, clock)
        self.power = PowerRunner(self.controller, clock)
        self.standby = StandbyFace(  # two controllers: the schedule runs on the active one
            self.controller, clock, active_faces=self._active_faces,
            adopt=_adopt) if venue.standby else None
        self._started: list[Face] = [sim] if sim is not None else []  # stopped last
        self._reload: asyncio.Task[None] | None = None
        self.ready = False  # every face started
        self.controller.bus.subscribe(self._log_event)
        self._last_good: dict[str, Any] | None = None  # what last-good.json holds now
        self._unwatch_storage: Callable[[], None] | None = None

    async def start(self) -> None:
        """Devices first, then the record keepers, then the inputs, the scheduler last.

        What the user can fix (a busy port, a state_dir that cannot be written) raises
        `UserError` with one line saying what and where."""
        venue = self.controller.config.venue
        prepare_state_dir(venue)
        start_writer()  # state files: fsync'd in a thread from now on
        loop = asyncio.get_running_loop()  # a write that fails is said in status, alerts
        self._unwatch_storage = on_failures(lambda failing: loop.call_soon_threadsafe(
            self.controller.report_storage, failing))
        self._keep_last_good()
        try:
            await self._start(self.history)
        except sqlite3.Error as exc:
            raise UserError(f"cannot open the history {self.history.path} in state_dir: "
                            f"{exc}") from None
        self.volume.restore()  # the operator's level before a resumed show plays a note
        self.run_state.start()
        self.alerts.restarted = self.run_state.recover()
        await self._start(self.alerts)  # before the inputs: what they cause is reported
        self.schedule.hold.restore()  # held before the restart: held before any input opens
        await self._start(self.standby)  # muted from its creation: it opens them if active
        only_active = (self.mqtt, self.power, self.schedule) if self.standby is None else ()
        for face in (self.osc, self.web, *only_active):
            await self._start(face)
        self.reader.start()  # the file reader's process, once nothing can fail any more
        self.ready = True

    def _active_faces(self) -> list[Face]:
        """What only the active controller runs, fresh at each takeover (docs/standby.md)."""
        clock = self.controller.clock
        # one controller on the broker at a time: the same client id and retained topics
        mqtt = [MqttFace(self.controller)] if self.controller.venue.mqtt is not None else []
        return [*mqtt, PowerRunner(self.controller, clock),
                ScheduleRunner(self.controller, clock, history=self.history)]

    async def _start(self, face: Face | None) -> None:
        if face is not None:
            await face.start()
            self._started.append(face)

    async def stop(self, *, restart: bool = False) -> None:
        """The show ends safely before anything closes; then every face, newest first.

        `restart` (SIGTERM, as `systemctl restart` sends) with `on_restart: resume`: the
        show is handed over instead, left playing for the next process to resume (its
        run-state record says where it stood). Either way that record is written first,
        so the next start tells the operator what happened (docs/service.md)."""
        ctl = self.controller
        if self.standby is not None:
            await self.standby.stop_active_faces()
        for plan in (self.schedule, self.power):  # nothing scheduled may slip in from here on
            if plan in self._started:
                self._started.remove(plan)
                await plan.stop()
        handover = restart and ctl.config.venue.on_restart == "resume" and ctl.busy \
            and ctl.state != "stopping" and self.ready
        if ctl.state != "idle" and self.ready:
            self.run_state.shutdown(handover=handover)
        if handover:
            log.warning("shutting down during %s: handing the show over to the next start "
                        "(on_restart: resume): the room is left as it is", ctl.state)
        elif ctl.state != "idle":
            log.warning("shutting down during %s: stopping it (black, safe look)", ctl.state)
            ctl.panic(by="shutdown", interrupted="the controller was shut down")
        if self.sim is not None and self.ready:
            await self._sim_settles()
        try:
            async with asyncio.timeout(SHUTDOWN_BUDGET):
                for face in reversed(self._started):
                    await face.stop()
        except TimeoutError:
            log.error("faces did not close within %.1f s; exiting anyway", SHUTDOWN_BUDGET)
        self.run_state.stop()
        self.volume.stop()
        self.reader.close()
        stop_writer()  # what is pending reaches the disk before the process exits
        if self._unwatch_storage is not None:
            self._unwatch_storage()
        await ctl.close()

    async def _sim_settles(self) -> None:
        """In-process devices get the safe look on the loop's next turns: let them."""
        assert self.sim is not None
        screens = [d for d in self.sim.devices.values() if d.kind == "screen"]
        try:
            async with asyncio.timeout(0.5):
                await self.sim.settle(lambda: all(d.state in ("black", "idle", "stopped")
                                                  for d in screens))
        except TimeoutError:
            pass
        shown = ", ".join(f"{d.id} {d.lights or d.state}" if d.kind == "lighting"
                          else f"{d.id} {d.state}" for d in self.sim.devices.values())
        log.info("simulated devices at exit: %s", shown)

    def reload(self) -> None:
        """SIGHUP: every file now, off the loop (the controller logs what it rejects; the
        scheduler replans on the `files` event)."""
        if self._reload is None or self._reload.done():
            self._reload = asyncio.get_running_loop().create_task(self._reload_files())

    async def _read(self, path: Path, last_good: LastGood) -> Config:
        config = await self.reader(path, last_good)
        return self.relocation.apply(config) if self.relocation else config

    async def _reload_files(self) -> None:
        try:
            await self.controller.reload()
        except Exception:
            log.exception("reload failed")

    def _keep_last_good(self) -> None:
        """Files all good: they are the copy a restart falls back on (docs/service.md)."""
        if self.relocation is not None:  # not the venue as written: never kept
            return
        config = self.controller.config
        data = lastgood.record(config, self.controller.clock.time())
        if data is None or (self._last_good is not None and all(
                data[k] == self._last_good[k] for k in ("venue_file", "venue", "schedule"))):
            return
        self._last_good = data
        try:
            write_json(Path(config.venue.state_dir) / lastgood.FILE, data)
        except OSError as exc:
            log.error("cannot keep the last good venue and schedule in %s: %s",
                      config.venue.state_dir, exc)

    def _log_event(self, event: events.Event) -> None:
        if event.kind == events.FILES:
            self._keep_last_good()
        if event.kind == events.RUN and event.data.get("event") in ("skip", "miss"):
            return  # the scheduler logs these itself, with the scheduled time
        if event.kind in LOGGED:  # formatted after the burst that caused it
            asyncio.get_running_loop().call_soon(log.info, "%s", describe(event))


def _adopt(face: Face, today: list[dict[str, Any]]) -> None:
    """A new active controller's schedule: the day's starts the other one decided."""
    if isinstance(face, ScheduleRunner):
        face.adopt(today)


def prepare_state_dir(venue: Venue) -> Path:
    """The state folder, created if missing; `UserError` naming it when it cannot be."""
    path = Path(venue.state_dir)
    where = f"set state_dir in {venue.source}" if venue.source else "set the venue's state_dir"
    fix = f"create it, writable by the user showctl runs as, or {where} to a folder it can write"
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UserError(f"state_dir {path} is a file, not a folder: remove it, or {where} "
                        "to a folder") from None
    except OSError as exc:
        raise UserError(f"state_dir {path} cannot be created ({exc.strerror or exc}): "
                        f"{fix}") from None
    if not path.is_dir():
        raise UserError(f"state_dir {path} is not a folder: {where} to a folder")
    if not os.access(path, os.W_OK | os.X_OK):
        raise UserError(f"state_dir {path} is not writable: {fix}")
    return path


def describe(event: events.Event) -> str:
    """One line a person reads in a terminal or the journal."""
    d = event.data
    if event.kind == events.STATE:
        return f"state {d.get('previous')} -> {d['state']} ({d.get('show') or 'no show'}, " \
               f"t={d.get('time')})"
    if event.kind == events.CUE:
        return f"cue {d['cue']} {d.get('name') or ''!r} at {d['at']} of {d['show']} -> " \
               f"{', '.join(d.get('devices') or []) or 'no device'}"
    if event.kind == events.DEVICE:
        return f"device {d['device']} {'online' if d['online'] else 'OFFLINE'}"
    if event.kind == events.RUN:
        extra = d.get("outcome") or d.get("reason") or ""
        return f"run {d['event']} {d.get('show')} by {d.get('by')} {extra}".rstrip()
    if event.kind == events.SCHEDULE:
        nxt = d.get("next") or {}
        return f"schedule {'HELD' if d.get('held') else 'active'}, next " \
               f"{nxt.get('at', 'none')} {nxt.get('show', '')}".rstrip()
    return f"{event.kind} {d}"


def start_realtime(venue: Venue) -> Realtime:
    """The venue's `realtime:` for this (the loop's) thread, said in the log; `on` that
    cannot be had is a start-up error of one line."""
    try:
        report = realtime.apply(venue.realtime)
    except realtime.RealtimeRefused as exc:
        raise UserError(str(exc)) from None
    quiet = report.active or venue.realtime == "off"
    log.log(logging.INFO if quiet else logging.WARNING, "%s", report.line())
    return report


def _sim_line(device: str, line: str) -> None:
    chatter = "/showctl/reply" in line or "/showctl/player/clock" in line
    logging.getLogger("showctl.sim").log(logging.DEBUG if chatter else logging.INFO,
                                         "%s %s", device, line)


async def start_simulator(venue: Venue, kinds: tuple[str, ...] = SIMULATED) -> Simulator:
    """The simulated devices listening where the venue says, before the controller that
    connects to them exists; `UserError` saying what to do when one cannot."""
    sim = Simulator(venue, venue.osc.listen, report=_sim_line, kinds=kinds)
    try:
        await sim.start()
    except OSError as exc:
        # said to whoever started it, who may not have typed --simulate (scripts/run)
        hint = "another program (showctl simulate, a player?) uses that port: stop it" \
            if "in use" in str(exc) else "the simulated devices listen where the " \
            "venue's devices are, or on 127.0.0.1 for those of other hosts"
        raise UserError(f"{exc}; {hint}") from None
    return sim


async def run(config_path: str | Path, *, simulate: bool = False,
              simulate_kinds: tuple[str, ...] = SIMULATED) -> int:
    """Runs until SIGTERM or SIGINT; returns the exit code (0 after a clean stop)."""
    config = lastgood.load_with_last_good(config_path)  # InvalidFiles: the CLI prints, exit 1
    use_zone(config.venue.timezone)
    report = start_realtime(config.venue)
    relocation = None
    if simulate:
        relocation = Relocation(simulate_kinds)
        config = relocation.apply(config)
        for note in relocation.notes:
            log.warning("%s", note)
        if (moved := relocation.moved()) is not None:
            log.info("%s", moved)
    served = relocation.simulated(config.venue) if relocation else config.venue
    if relocation is not None and not relocation.ports:
        relocation = None  # every device served is on this machine: the venue as written
    sim = await start_simulator(served, simulate_kinds) if simulate else None
    service = Service(config, sim=sim, realtime=report, relocation=relocation)
    notifier = Notifier()
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    got: list[int] = []  # which signal: SIGTERM may hand the show over, Ctrl-C never does

    def stop_on(sig: int) -> None:
        got.append(sig)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop_on, sig)
    loop.add_signal_handler(signal.SIGHUP, service.reload)
    try:
        await service.start()
    except BaseException:
        await service.stop()
        raise
    # A full collection of the composed service's ~50,000 objects takes 8-9 ms here: long
    # enough to make a cue late. Frozen, they are never scanned again.
    gc.collect()
    gc.freeze()
    host, port = config.venue.osc.listen
    ready = f"{config.venue.venue}: OSC {host}:{port}, web {service.web.url}"
    log.info("ready: %s%s", ready,  # which are simulated: scripts/run's screens are real mpv
             f" (simulated: {', '.join(simulate_kinds)})" if simulate else "")
    notifier.ready(ready)
    await stop.wait()
    log.info("stopping")
    await notifier.stopping()
    await service.stop(restart=got[0] == signal.SIGTERM)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.remove_signal_handler(sig)
        # stopped cleanly: a second Ctrl-C or a SIGTERM sent meanwhile (scripts/run
        # passes one on) must not turn the exit 0 into a death by signal
        signal.signal(sig, signal.SIG_IGN)
    log.info("stopped")
    return 0
