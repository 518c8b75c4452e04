"""Two controllers, one room (SPEC 7.5, docs/standby.md): this controller's side.

keepalived decides which controller holds the virtual address and tells this one its
state (`ControlSocket`, from the notify script): MASTER makes it active, anything else
standby. A standby controller is muted (nothing leaves for any device), refuses the
commands only the active one may take, runs no schedule and no power plan, and keeps the
active one's latest picture from the replication link: the loaded show, the timeline's
anchor (show time 0 as a wall instant), the transport state, the hold, the schedule's
decisions of the day, the master volume, the files' hashes. On takeover it raises the
epoch, takes the timeline back where it is on the same anchor (`Controller.rejoin`: the
players that kept playing are only given clocks, so they neither stop nor jump), starts
its schedule with the active one's decisions adopted (nothing started twice), and speaks.

No split brain: a controller that is active and hears the other active with a newer
(epoch, name) yields at once, and makes its keepalived let the address go (the fault
file); players follow clocks of the newest epoch only (showctl/player/).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal, Protocol

from showctl.core.clock import Clock
from showctl.core.controller import Controller
from showctl.core.errors import CommandError
from showctl.core.events import FILES, SCHEDULE, STATE, VOLUME, Event
from showctl.errors import UserError
from showctl.model.standby import Standby
from showctl.standby.control import SOCKET, ControlSocket
from showctl.standby.link import Link
from showctl.standby.wire import Message, read_key
from showctl.statefile import write_json

log = logging.getLogger(__name__)

ACTIVE, STANDBY = "active", "standby"
TICK = 0.1  # seconds between state messages (and at every change)
LOST = 1.0  # no message from the peer for this long: not following (an alert)
FAULT_HOLD = 10.0  # seconds the fault file keeps keepalived from taking the address back
BY = "standby"
ONLY_ACTIVE = frozenset({"load", "start", "rejoin", "go", "pause", "resume", "stop", "panic",
                         "seek", "fire", "hold_schedule", "release_schedule", "set_volume"})
STATE_FILE = "standby.json"
FAULT_FILE = "standby-fault"
ROLE_FILE = "standby-role"


class Face(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def whoami(standby: Standby) -> tuple[str, str]:
    """(this controller's peer name, the other's): `SHOWCTL_STANDBY_SELF`, else the host
    name, else the one peer whose address is this machine's."""
    peers = standby.peers
    named = os.environ.get("SHOWCTL_STANDBY_SELF")
    if named:
        if named not in peers:
            raise UserError(f"SHOWCTL_STANDBY_SELF={named} is not one of the venue's standby "
                            f"peers ({', '.join(peers)})")
        return named, peers[1 - peers.index(named)]
    host = socket.gethostname()
    for name in (host, host.split(".")[0]):
        if name in peers:
            return name, peers[1 - peers.index(name)]
    local = [p for p in peers if _is_local(p)]
    if len(local) == 1:
        return local[0], peers[1 - peers.index(local[0])]
    raise UserError(f"cannot tell which standby peer this machine is ({', '.join(peers)}): "
                    f"the host name is {host!r}; set SHOWCTL_STANDBY_SELF")


def _is_local(name: str) -> bool:
    try:
        infos = socket.getaddrinfo(name, 0, socket.AF_INET, socket.SOCK_DGRAM)
    except OSError:
        return False
    for *_, sockaddr in infos:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.bind((sockaddr[0], 0))
                return True
            except OSError:
                continue
    return False


def _address(name: str) -> str:
    try:
        return str(socket.getaddrinfo(name, 0, socket.AF_INET, socket.SOCK_DGRAM)[0][4][0])
    except (OSError, IndexError):
        raise UserError(f"standby peer {name!r} has no address (DNS or /etc/hosts)") from None


class StandbyFace:
    """`active_faces`: builds the faces only the active controller runs (the schedule,
    the power plan), fresh at each takeover; `adopt` hands them the active one's
    decisions of the day first."""

    def __init__(self, controller: Controller, clock: Clock, *,
                 active_faces: Callable[[], list[Face]],
                 adopt: Callable[[Face, list[dict[str, Any]]], None] = lambda f, t: None,
                 me: str | None = None) -> None:
        venue = controller.config.venue
        assert venue.standby is not None
        self.standby, self.controller, self.clock = venue.standby, controller, clock
        self.me, self.peer = (me, venue.standby.peers[1 - venue.standby.peers.index(me)]) \
            if me else whoami(venue.standby)
        key_path = venue.standby.key_file
        if not key_path.is_absolute() and venue.source is not None:
            key_path = venue.source.parent / key_path
        try:
            self.key = read_key(key_path)
        except OSError as exc:
            raise UserError(f"standby key_file {key_path}: {exc.strerror or exc} (both "
                            "controllers need the same key: docs/standby.md)") from None
        except ValueError as exc:
            raise UserError(str(exc)) from None
        self.state_dir = Path(venue.state_dir)
        self._active_faces, self._adopt = active_faces, adopt
        controller.mute(True)  # nothing leaves until keepalived says this one is active
        self.role = STANDBY
        self.keepalived: str | None = None  # the state keepalived last said
        saved = self._read_state()
        self.epoch = int(saved.get("epoch", 0))
        self.last_takeover: dict[str, Any] | None = saved.get("last_takeover")
        self.peer_seen: float | None = None  # monotonic instant of the last message
        self.peer_role: str | None = None
        self.peer_epoch = 0
        self.snapshot: dict[str, Any] | None = None  # the active one's picture
        self.snapshot_at: float | None = None  # its sender's wall time
        self.peer_files: dict[str, str] | None = None
        self.files: dict[str, str] = {}
        self.following = False
        self._today: list[dict[str, Any]] = []  # the schedule's day, from its events
        self._faces: list[Face] = []
        self._allowed = False
        self._fault_until: float | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._faces_task: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.link: Link | None = None
        self.heard = asyncio.Event()  # set at every message admitted (tests wait on it)
        self.control = ControlSocket(self.state_dir / SOCKET, self._command)
        controller.standby_status = self.as_json

    # -- lifecycle ----------------------------------------------------------------------
    async def start(self) -> None:
        self.controller.gate = self._gate
        bind, to = _address(self.me), _address(self.peer)
        self.link = Link(self.me, self.peer, self.key, (bind, self.standby.port),
                         (to, self.standby.port), self.clock.time, self._received)
        try:
            await self.link.start()
        except OSError as exc:
            raise UserError(f"standby: cannot listen on {bind}:{self.standby.port} for the "
                            f"replication link: {exc.strerror or exc}") from None
        await self.control.start()
        self._write_fault(False)
        self.files = await asyncio.to_thread(file_hashes, self.controller)
        self._unsubscribe = self.controller.bus.subscribe(self._on_event)
        self._tasks = [asyncio.get_running_loop().create_task(self._tick(), name="standby")]
        role = self._read_role()
        self._say(f"standby: this controller is {self.me}, its peer {self.peer} "
                  f"(epoch {self.epoch}); keepalived says {role or 'nothing yet'}")
        if role:
            self.keepalived_state(role)

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._stop_faces()
        self.control.close()
        if self.link is not None:
            self.link.close()
        self.controller.gate = None

    async def stop_active_faces(self) -> None:
        """The service's shutdown: nothing scheduled may slip in from here on; an active
        controller with a following peer hands the show over rather than ending it
        (a maintenance stop must not darken the room)."""
        await self._stop_faces()
        if self.role == ACTIVE and self._peer_fresh():
            try:
                self.manual_demote("this controller is shutting down")
            except CommandError as exc:
                self._say(f"standby: no handover at shutdown: {exc}", "warning")

    # -- roles --------------------------------------------------------------------------
    def keepalived_state(self, state: str) -> None:
        """keepalived's word (the notify script): MASTER is active, the rest standby."""
        state = state.upper()
        if state != self.keepalived:
            self._say(f"standby: keepalived says {state} ({self.me} is {self.role})")
        self.keepalived = state
        if state == "MASTER":
            self.promote(f"keepalived: {state}")
        elif state in ("BACKUP", "FAULT", "STOP"):  # the peer's keepalived takes it over:
            self.demote(f"keepalived: {state}", handover=False)  # its own word, not ours

    def promote(self, reason: str) -> dict[str, Any]:
        """This controller becomes the active one: epoch up, the show taken back from the
        active one's last picture, outputs open, schedule and power plan started."""
        if self.role == ACTIVE:
            return {"role": ACTIVE, "epoch": self.epoch, "changed": False}
        began, wall = self.clock.monotonic(), self.clock.time()
        self.epoch = max(self.epoch, self.peer_epoch) + 1
        self.role = ACTIVE
        self.controller.set_epoch(self.epoch)
        took = self._take_back(self.snapshot)
        ms = (self.clock.monotonic() - began) * 1e3
        self.last_takeover = {"at": wall, "by": self.me, "from": self.peer, "epoch": self.epoch,
                              "reason": reason, "show": took, "ms": round(ms, 3)}
        self._save_state()
        self._send("state")
        self._start_faces()
        self.controller.count("standby.takeovers")
        self._report("takeover", f"standby: TAKEOVER: {self.me} is now the active controller "
                     f"(epoch {self.epoch}; {reason}; {took or 'no show'}; {ms:.1f} ms)")
        return {"role": ACTIVE, "epoch": self.epoch, "changed": True, "ms": round(ms, 3)}

    def demote(self, reason: str, *, handover: bool = True) -> dict[str, Any]:
        """This controller becomes the standby one: muted first, then its show let go of
        (nothing reaches the devices), its picture handed to the peer."""
        if self.role == STANDBY:
            return {"role": STANDBY, "epoch": self.epoch, "changed": False}
        picture = self._picture()
        self.controller.mute(True)
        self.role = STANDBY
        if handover:
            for _ in range(3):  # datagrams: three, the peer takes the first
                self._send("handover", picture)
        self._faces_task = asyncio.get_running_loop().create_task(self._stop_faces())
        with self._allow():
            if self.controller.state != "idle":
                self.controller.panic(by=BY, interrupted=f"handed over to {self.peer} "
                                      f"({reason})")
        self._send("state")
        self._report("standby", f"standby: {self.me} is now the standby controller ({reason})")
        return {"role": STANDBY, "epoch": self.epoch, "changed": True}

    def manual_demote(self, reason: str) -> dict[str, Any]:
        """`showctl standby demote` (or the peer's promote): hand over, and keep keepalived
        from holding the address here (the fault file) until the peer has it."""
        if self.role != ACTIVE:
            raise CommandError(f"{self.me} is not the active controller")
        if self.peer_role is None or not self._peer_fresh():
            raise CommandError(f"the peer {self.peer} does not answer on the replication "
                               "link: nobody would take over")
        self._write_fault(True)
        return self.demote(reason)

    def _take_back(self, picture: dict[str, Any] | None) -> str | None:
        """The active one's last picture in force here (module docstring); what it took."""
        ctl = self.controller
        with self._allow():
            if picture is None:  # nobody to follow: what this controller has (a restart's
                ctl.mute(False)  # recovery) goes on
                return ctl.show.id if ctl.show else None
            if ctl.state != "idle":
                ctl.panic(by=BY, interrupted="the other controller's show takes over")
            volume = picture.get("volume")
            if isinstance(volume, int | float) and volume != ctl.volume:
                ctl.set_volume(float(volume), 0.0, by=BY)  # (muted: the level, not a packet)
            ctl.mute(False)
            held = bool(picture.get("held"))
            if held != ctl.schedule_held:
                (ctl.hold_schedule if held else ctl.release_schedule)(by=BY)
            return self._transport(picture)

    def _transport(self, picture: dict[str, Any]) -> str | None:
        ctl, show, state = self.controller, picture.get("show"), picture.get("state")
        if not show or state in (None, "idle", "stopping"):
            return None
        t0_wall, frozen = picture.get("t0_wall"), picture.get("frozen")
        mono, wall = self.clock.monotonic(), self.clock.time()
        t0 = None if t0_wall is None else float(t0_wall) - wall + mono  # on this clock
        try:
            if state == "running" and t0 is not None:
                ctl.rejoin(show, mono - t0, by=BY, t0=t0)
            elif state == "holding" and t0 is not None and frozen is not None:
                ctl.rejoin(show, mono - t0, by=BY, hold_at=float(frozen), t0=t0)
            elif state == "prerolling" and t0 is not None:
                ctl.start(show, by=BY, at=t0)
            elif state == "loaded":
                ctl.load(show, by=BY)
            else:
                self._say(f"standby: the show {show} was {state} at t={frozen}: load it and "
                          "seek there to continue", "warning")
                return None
        except CommandError as exc:
            self._say(f"standby: cannot take the show {show} back: {exc}", "error")
            return None
        return f"{show} {state}"

    # -- the link -----------------------------------------------------------------------
    def _picture(self) -> dict[str, Any]:
        """What the other controller needs to continue (the module docstring)."""
        ctl = self.controller
        timeline = ctl.timeline()
        return {
            "show": ctl.show.id if ctl.show else None,
            "state": str(ctl.state),
            "t0_wall": timeline["t0_wall"],
            "frozen": timeline["frozen"],
            "volume": ctl.volume,
            "held": ctl.schedule_held,
            "today": self._today,
            "files": self.files,
        }

    def _send(self, kind: str, body: dict[str, Any] | None = None) -> None:
        if self.link is None:
            return
        if body is None:
            body = self._picture() if self.role == ACTIVE else {"files": self.files}
        body["keepalived"] = self.keepalived
        self.link.send(kind, self.role, self.epoch, body)

    def _received(self, message: Message, now: float) -> None:
        self.peer_seen = self.clock.monotonic()
        self.peer_role = message.role
        self.peer_epoch = max(self.peer_epoch, message.epoch)
        files = message.body.get("files")
        if isinstance(files, dict):
            self.peer_files = {str(k): str(v) for k, v in files.items()}
        if message.kind == "request":
            if self.role == ACTIVE:
                try:
                    self.manual_demote(f"{self.peer} asked to take over")
                except CommandError as exc:
                    self._say(f"standby: {self.peer} asked to take over: {exc}", "warning")
            return
        if message.kind == "handover" or message.role == ACTIVE:
            self.snapshot, self.snapshot_at = message.body, message.sent
        if message.kind == "handover" and self.role == STANDBY:
            self.promote(f"handed over by {self.peer}")
        elif (message.role == ACTIVE and self.role == ACTIVE
              and (message.epoch, message.sender) > (self.epoch, self.me)):
            self._write_fault(True)  # keepalived lets the address go as well
            self.demote(f"{self.peer} is active with epoch {message.epoch} (this one "
                        f"{self.epoch}): the newer one stays", handover=False)
        if (self._fault_until is not None and message.role == ACTIVE
                and message.body.get("keepalived") == "MASTER" and self.keepalived != "MASTER"):
            self._write_fault(False)  # the peer has the address: keepalived may stand by
        self.heard.set()

    def _on_event(self, event: Event) -> None:
        if event.kind == SCHEDULE:
            self._today = list(event.data.get("today") or [])
        if event.kind == FILES:
            asyncio.get_running_loop().create_task(self._rehash())
        if self.role == ACTIVE and event.kind in (STATE, SCHEDULE, VOLUME):
            asyncio.get_running_loop().call_soon(self._send, "state")  # after the burst

    async def _rehash(self) -> None:
        self.files = await asyncio.to_thread(file_hashes, self.controller)

    async def _tick(self) -> None:
        while True:
            self._send("state")
            following = self._peer_fresh() and (self.role == ACTIVE or self.peer_role == ACTIVE)
            if following != self.following:
                self.following = following
                if following:
                    self._report("following", f"standby: replication with {self.peer} is up")
                else:
                    self._report("not_following", f"standby: ALERT: no replication from "
                                 f"{self.peer} for {LOST:g} s" + (
                                     " (the standby is not following)"
                                     if self.role == ACTIVE else ""))
            if self._fault_until is not None and self.clock.monotonic() > self._fault_until:
                self._write_fault(False)
            await self.clock.sleep_until(self.clock.monotonic() + TICK)

    def _peer_fresh(self) -> bool:
        return self.peer_seen is not None and self.clock.monotonic() - self.peer_seen < LOST

    # -- faces only the active controller runs ------------------------------------------
    def _start_faces(self) -> None:
        today = list((self.snapshot or {}).get("today") or [])
        previous = self._faces_task

        async def start() -> None:
            if previous is not None:
                await previous  # a demote's stop first
            faces = self._active_faces()
            for face in faces:
                self._adopt(face, today)
                await face.start()
                self._faces.append(face)
        self._faces_task = asyncio.get_running_loop().create_task(start())

    async def _stop_faces(self) -> None:
        faces, self._faces = self._faces, []
        for face in reversed(faces):
            await face.stop()

    # -- the gate, the control socket ---------------------------------------------------
    def _gate(self, command: str) -> None:
        if self.role != ACTIVE and not self._allowed and command in ONLY_ACTIVE:
            raise CommandError(f"{command} refused: this is the standby controller "
                               f"({self.me}); the active one ({self.peer}) takes commands "
                               f"at {self.standby.address.ip}")

    @contextlib.contextmanager
    def _allow(self) -> Iterator[None]:
        self._allowed = True
        try:
            yield
        finally:
            self._allowed = False

    def _command(self, verb: str, args: list[str]) -> Any:
        if verb == "ping":
            return "pong"
        if verb == "role" and args:
            self.keepalived_state(args[0])
            return {"status": "ok", "data": self.as_json()}
        if verb == "status":
            return {"status": "ok", "data": self.as_json()}
        try:
            if verb == "demote":
                return {"status": "ok", "data": self.manual_demote("showctl standby demote")}
            if verb == "promote":
                return {"status": "ok", "data": self._ask_takeover()}
        except CommandError as exc:
            return {"status": "error", "error": str(exc)}
        return {"status": "error", "error": f"unknown request {verb!r}"}

    def _ask_takeover(self) -> dict[str, Any]:
        if self.role == ACTIVE:
            return {"role": ACTIVE, "epoch": self.epoch, "changed": False}
        if self.peer_role != ACTIVE or not self._peer_fresh():
            raise CommandError(f"the active controller {self.peer} does not answer on the "
                               "replication link; keepalived moves the address once it is "
                               "gone")
        self._send("request", {"files": self.files})
        return {"role": STANDBY, "epoch": self.epoch, "requested": True}

    # -- files ----------------------------------------------------------------------------
    def _write_fault(self, on: bool) -> None:
        """keepalived's track_file (weight 0): 1 puts its instance in FAULT, 0 back."""
        self._fault_until = self.clock.monotonic() + FAULT_HOLD if on else None
        path = self.state_dir / FAULT_FILE
        try:
            path.write_text("1\n" if on else "0\n")
        except OSError as exc:
            log.error("standby: cannot write %s: %s", path, exc)

    def _read_role(self) -> str | None:
        try:
            text = (self.state_dir / ROLE_FILE).read_text().strip()
        except OSError:
            return None
        return text.upper() or None

    def _read_state(self) -> dict[str, Any]:
        try:
            data = json.loads((self.state_dir / STATE_FILE).read_text())
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save_state(self) -> None:
        try:
            write_json(self.state_dir / STATE_FILE, {"epoch": self.epoch,
                                                     "last_takeover": self.last_takeover})
        except OSError as exc:
            log.error("standby: cannot keep the epoch in %s: %s", self.state_dir, exc)

    # -- what it says ---------------------------------------------------------------------
    def findings(self) -> list[str]:
        out = []
        if self.peer_files is not None:
            differ = sorted(k for k in set(self.files) | set(self.peer_files)
                            if self.files.get(k) != self.peer_files.get(k))
            if differ:
                out.append(f"files differ from the other controller {self.peer}'s: "
                           + ", ".join(differ) + " (copy them: docs/standby.md)")
        if not self._peer_fresh():
            out.append(f"no replication from the other controller {self.peer}: "
                       + ("the standby is not following" if self.role == ACTIVE
                          else "this standby cannot take over the show"))
        return out

    def as_json(self) -> dict[str, Any]:
        now = self.clock.monotonic()
        picture = self.snapshot if self.role == STANDBY else None
        followed = None
        if picture is not None:
            followed = {"show": picture.get("show"), "state": picture.get("state"),
                        "age": round(self.clock.time() - (self.snapshot_at or 0.0), 3)}
            if picture.get("t0_wall") is not None:
                followed["time"] = round(self.clock.time() - float(picture["t0_wall"]), 3)
        return {
            "role": self.role, "me": self.me, "peer": self.peer, "epoch": self.epoch,
            "address": str(self.standby.address), "keepalived": self.keepalived,
            "following": self.following, "followed": followed,
            "peer_role": self.peer_role, "peer_epoch": self.peer_epoch,
            "peer_seen_ago": None if self.peer_seen is None else round(now - self.peer_seen, 3),
            "last_takeover": self.last_takeover,
            "link": self.link.as_json() if self.link else None,
            "findings": self.findings(),
        }

    def _report(self, what: Literal["takeover", "standby", "not_following", "following"],
                message: str) -> None:
        self.controller.report_standby(what, message, me=self.me, peer=self.peer,
                                       epoch=self.epoch)

    def _say(self, message: str, level: str = "info") -> None:
        self.controller.announce(message, level=level)  # type: ignore[arg-type]


def file_hashes(controller: Controller) -> dict[str, str]:
    """SHA-256 of the venue, the schedule and every show file in force, by name: the two
    controllers must run the same files."""
    config = controller.config
    paths: dict[str, Path] = {f"show:{sid}": p for sid, p in config.show_paths.items()}
    if config.venue.source is not None:
        paths["venue"] = Path(config.venue.source)
    paths["schedule"] = Path(config.schedule_path)
    out = {}
    for name, path in sorted(paths.items()):
        try:
            out[name] = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        except OSError:
            out[name] = "unreadable"
    return out
