"""The run state on disk, so a controller restarted mid-show knows it (SPEC 5).

Every transport change writes `<state_dir>/run-state.json`: the show, the state, and
the wall instant of show time 0 (or the frozen show time). At startup `recover` acts
as `venue.on_restart` says: `resume` at the position the show would have reached, or
`safe`: black and the safe look. Both go through the Controller's public methods.

A service stop (SIGTERM/SIGINT) mid-show writes one last record (`shutdown`) with the
show time and the cue where it stopped, before the show is stopped or handed over, so
the next start says so in the banner (`Controller.report_restart`) instead of finding an
idle file: a clean stop is never silent (docs/service.md, "Restart in the middle of a
show").
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from showctl.core import events
from showctl.core.clock import STEP
from showctl.core.controller import Controller
from showctl.core.errors import CommandError
from showctl.statefile import write_json
from showctl.timecode import format_time

log = logging.getLogger(__name__)
FILE = "run-state.json"
MOVING = ("prerolling", "running")
STANDING = ("paused", "holding", "loaded")


class RunState:
    def __init__(self, controller: Controller) -> None:
        self.controller = controller
        self.path = Path(controller.config.venue.state_dir) / FILE
        self._unsubscribe: events.Unsubscribe | None = None
        self._final = False  # the shutdown record is written: no event may overwrite it

    def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._unsubscribe = self.controller.bus.subscribe(self._on_event)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()

    def read(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _on_event(self, event: events.Event) -> None:
        if event.kind == events.STATE:
            # written after the current burst of datagrams, never inside it
            wall = self.controller.clock.time()
            asyncio.get_running_loop().call_soon(self._write, dict(event.data), wall)

    def shutdown(self, *, handover: bool) -> dict[str, Any] | None:
        """The service is stopping with a show loaded or running: the record says where it
        stood now (show time, cue) and whether it is `handover` (left running for the next
        process to resume, `on_restart: resume` and SIGTERM) or stopped safely by this
        one. Written before the stop, and the last write of this process."""
        status = self.controller.status()
        if status["state"] == "idle" or not status["show"]:
            return None
        self.stop()
        wall = self.controller.clock.time()
        data = {"show": status["show"]["id"], "state": status["state"], "time": status["time"]}
        record = self._record(data, wall)
        record["shutdown"] = {"at": wall, "time": status["time"], "handover": handover,
                              "cue": status["current_cue"]}
        self._final = True
        self._put(record)
        return record

    def _record(self, data: dict[str, Any], wall: float) -> dict[str, Any]:
        clock, t = self.controller.clock, data.get("time") or 0.0
        mono = clock.monotonic() - (clock.time() - wall)  # the monotonic instant of `wall`
        return {"show": data.get("show"), "state": data["state"], "time": data.get("time"),
                "t0_wall": wall - t, "t0_monotonic": mono - t, "boot": clock.boot}

    def _write(self, data: dict[str, Any], wall: float) -> None:
        if not self._final:
            self._put(self._record(data, wall))

    def _put(self, record: dict[str, Any]) -> None:
        try:
            write_json(self.path, record)
        except OSError as exc:
            log.error("cannot record the run state in %s: %s", self.path, exc)

    def recover(self) -> str | None:
        """Acts on a show left running by a previous process; returns what was done.

        Afterwards the file says what the controller does now (idle after the safe state:
        a panic from idle changes no state, so no event would rewrite it), so the next
        start does not recover the same show again."""
        record = self.read()
        if not record or record.get("state") in (None, "idle") or not record.get("show"):
            return None
        try:
            return self._recover(record)
        finally:
            status = self.controller.status()
            self._put(self._record({"show": (status["show"] or {}).get("id"),
                                    "state": status["state"], "time": status["time"]},
                                   self.controller.clock.time()))

    def _recover(self, record: dict[str, Any]) -> str:
        show, state, ctl = str(record["show"]), record["state"], self.controller
        policy = ctl.config.venue.on_restart
        shutdown = record.get("shutdown") if isinstance(record.get("shutdown"), dict) else None
        where = self._where(show, state, record, shutdown)
        try:
            if shutdown is not None and not shutdown.get("handover"):
                # the previous process stopped the show itself (black, safe look) on its way
                # out: nothing to undo, the operator is told where it was and how to go on
                done = (f"restarted after a service stop during {show} ({state}): the "
                        "show was stopped (screens black, safe look)")
                advice = self._advice_to_go_on(show, where)
            elif policy == "resume" and state in MOVING + STANDING:
                done = self._resume(show, state, record)
                advice = ("holding: press GO to go on" if ctl.state == "holding" else
                          "press GO to go on" if ctl.state == "loaded" else
                          "nothing to do: the show goes on" if ctl.busy else
                          "load a show when ready")
            else:
                ctl.panic(by="restart")
                done = f"restarted during {show} ({state}): screens black, safe look"
                advice = self._advice_to_go_on(show, where)
        except CommandError as exc:
            ctl.panic(by="restart")
            done = f"restarted during {show} ({state}): could not resume ({exc}); safe state"
            advice = self._advice_to_go_on(show, where)
        ctl.report_restart(show, state, done, stopped_at=where, advice=advice)
        return done

    def _where(self, show: str, state: str, record: dict[str, Any],
               shutdown: dict[str, Any] | None) -> dict[str, Any]:
        """Where the show stood when the previous process ended: exact after a service
        stop (its last record says), estimated by the clock after a kill (the instant it
        died is unknown: the position it would have reached by now, "about")."""
        found = self.controller.config.shows.get(show)
        exact = shutdown is not None or state not in MOVING
        if shutdown is not None:
            t = float(shutdown.get("time") or 0.0)
        elif state in MOVING:
            t = self._elapsed(record)
        else:
            t = float(record.get("time") or 0.0)
        if found is not None:
            t = min(t, found.length)
        t = max(t, 0.0)
        cue = next((c for c in reversed(found.cues) if c.at <= t), None) if found else None
        cue_json = {"id": cue.id, "name": cue.name} if cue is not None else None
        text = ("" if exact else "about ") + format_time(t)
        if cue is not None:
            text += f", cue {cue.id}" + (f" {cue.name!r}" if cue.name else "")
        return {"time": round(t, 3), "exact": exact, "cue": cue_json, "text": text}

    def _advice_to_go_on(self, show: str, where: dict[str, Any]) -> str:
        if show not in self.controller.config.shows:
            return f"the show {show!r} is no longer in the library: load another show"
        cue = where["cue"]
        to = f"cue {cue['id']}" if cue else format_time(where["time"])
        return f"to go on: Load it, Seek to {to}, then GO"

    def _elapsed(self, record: dict[str, Any]) -> float:
        """Show time now of a show left running: by the monotonic clock when this is the
        same boot (the wall clock may have stepped while the controller was down), else
        by the wall clock, the only one that survives a reboot."""
        clock = self.controller.clock
        by_wall = clock.time() - float(record["t0_wall"])
        t0 = record.get("t0_monotonic")
        if record.get("boot") != clock.boot or not isinstance(t0, int | float):
            return by_wall
        by_monotonic = clock.monotonic() - float(t0)
        if abs(by_monotonic - by_wall) >= STEP:
            log.warning("the wall clock stepped %+.0f s while showctl was down: resuming by "
                        "the monotonic clock", by_wall - by_monotonic)
        return by_monotonic

    def _resume(self, show: str, state: str, record: dict[str, Any]) -> str:
        """Running or holding: the show is taken back where it is now without reloading
        the players (`Controller.rejoin`: clock to those that kept playing); a hold cue
        passed while the controller was down holds there. Paused or loaded: cued at its
        time, waiting for GO. Not yet started (prerolling): loaded again, t=0 kept."""
        ctl = self.controller
        loaded = ctl.config.shows.get(show)
        if loaded is None:
            raise CommandError(f"show {show!r} is no longer in the library")
        since = float(record.get("time") or 0.0)
        now = self._elapsed(record)  # show time had it kept going (steps aside)
        if state in MOVING and now < 0:
            ctl.load(show, by="restart")
            ctl.go(by="restart", at=ctl.clock.monotonic() - now)
            done = f"restarted during {show}'s preroll: t=0 in {-now:.3f} s as planned"
        elif state in (*MOVING, "holding"):
            hold = since if state == "holding" else next(
                (c.at for c in loaded.cues if c.hold and since < c.at <= now), None)
            if hold is None and now >= loaded.length:
                ctl.panic(by="restart")
                done = f"restarted after {show} would have ended: screens black, safe look"
            else:
                ctl.rejoin(show, now, by="restart", hold_at=hold)
                done = (f"restarted during {show}: rejoined at {now:.3f} s, players "
                        "re-anchored by clock" if hold is None else
                        f"restarted during {show}: holding at {hold:.3f} s (players kept "
                        "playing), waiting for GO")
        else:
            ctl.load(show, by="restart")
            if since > 0:
                ctl.seek(since, by="restart")
            done = f"restarted during {show} ({state}): cued at {since:.3f} s, waiting for GO"
        ctl.report_restart(show, state, done)
        return done
