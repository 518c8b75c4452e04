"""Two controllers in the venue room (tests/venue/room.py), each with a real keepalived in
its own namespace, and a room that records what it gets: real `showctl player`s (mpv,
`--vo=null`) on some screens, recording sockets on the others and on the lighting desk.

Measured from outside, as a technician would: datagram arrivals (wall clock, source
address) at the devices, the players' positions through mpv's IPC."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from showctl.codec.osc import decode
from showctl.player.ipc import MpvIpc
from tests.venue.room import HOSTS, SCREENS, VenueRoom
from tests.venue.show import OSC_PORT, ROOT, WEB_PORT, RoomController, screens_on

HOSTS_PAIR = {**HOSTS, "ctlb": "198.18.0.11"}
VIP = "198.18.0.5"
REPLICATION = 53190
LIGHTS_PORT = 9110
CUE_EVERY = 2.0
SHOW_LENGTH = 40.0
FPS = 25

SHOW = {
    "id": "takeover",
    "preroll": 1.0,
    "cues": [{"id": "0", "at": 0, "name": "All", "screens": "all",
              "play": {"media": "clip.mp4", "from": 0}},
             *({"id": f"c{n}", "at": n * CUE_EVERY, "name": f"Look {n}",
                "lights": {"cue": f"look-{n}", "fade": 0}}
               for n in range(1, int(SHOW_LENGTH / CUE_EVERY))),
             {"id": "end", "at": SHOW_LENGTH, "screens": "all", "black": {"fade": 0}}],
}


def make_clip(path: Path, seconds: float = SHOW_LENGTH + 5) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc=duration={seconds:g}:size=160x90:rate={FPS}", "-g", "5",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                    str(path)], check=True, timeout=120)


def pair_venues(room: VenueRoom, root: Path) -> tuple[Path, Path]:
    """The same files twice (a/ and b/: relative state_dir, so the two controllers keep
    their own state while every file hashes alike)."""
    venue = {
        "venue": "venue-pair",
        "timezone": "Europe/Paris",
        "state_dir": "../var",
        "osc": {"listen": f"0.0.0.0:{OSC_PORT}", "allow": ["127.0.0.0/8", "198.18.0.0/24"]},
        "web": {"listen": f"127.0.0.1:{WEB_PORT}"},
        "devices": [*screens_on(room), {"id": "lights", "kind": "lighting", "profile": "showctl",
                                        "host": room.address("lighting"), "port": LIGHTS_PORT}],
        "safe_look": {"lights": "safe", "fade": 0},
        "standby": {"peers": [room.address("ctl"), room.address("ctlb")],
                    "address": f"{VIP}/24", "port": REPLICATION, "key_file": "standby.key",
                    "interface": "eth0"},
    }
    key = secrets.token_hex(32)
    paths = []
    for side in ("a", "b"):
        (root / side / "config").mkdir(parents=True)
        (root / side / "shows").mkdir()
        (root / side / "config" / "standby.key").write_text(key)
        (root / side / "config" / "schedule.yaml").write_text(yaml.safe_dump({"shows": []}))
        (root / side / "shows" / "takeover.yaml").write_text(yaml.safe_dump(SHOW, sort_keys=False))
        path = root / side / "config" / "venue.yaml"
        path.write_text(yaml.safe_dump(venue, sort_keys=False))
        paths.append(path)
    return paths[0], paths[1]


class Recorder:
    """A device's UDP port on its host: every datagram with its wall arrival and source,
    read by a thread (the test's loop stays free)."""

    def __init__(self, room: VenueRoom, host: str, port: int) -> None:
        self.sock = room.socket(host, bind=port)
        self.sock.setblocking(True)
        self.sock.settimeout(0.2)
        self.got: list[tuple[float, str, Any]] = []
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop:
            try:
                data, (source, _) = self.sock.recvfrom(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            self.got.append((time.time(), source, decode(data)))

    def close(self) -> None:
        self._stop = True
        self._thread.join(2)
        self.sock.close()


@dataclass
class Keepalived:
    proc: subprocess.Popen[Any]
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def start_keepalived(room: VenueRoom, host: str, me: str, venue: Path, work: Path,
                     ) -> Keepalived:
    conf = work / f"keepalived-{host}.conf"
    made = subprocess.run(
        [sys.executable, "-m", "showctl", "standby", "keepalived", "--config", str(venue),
         "--me", me, "--scripts", str(ROOT / "systemd")],
        capture_output=True, text=True, cwd=ROOT, timeout=30, check=True)
    conf.write_text(made.stdout)
    log = work / f"keepalived-{host}.log"
    pids = work / f"kad-{host}"
    pids.mkdir(exist_ok=True)
    with open(log, "w") as out:
        proc = room.popen(host, [
            shutil.which("keepalived") or "keepalived", "-n", "-l", "-D", "-P",
            "-f", str(conf), "-p", str(pids / "main.pid"), "-r", str(pids / "vrrp.pid"),
            "-c", str(pids / "checkers.pid"), "-i", host],
            stdout=out, stderr=subprocess.STDOUT)
    return Keepalived(proc, log)


@dataclass
class PositionWatch:
    """One player's mpv, watched through its IPC socket: (wall, time-pos) samples, and
    every pause/idle change (a stop or a dark frame would show there)."""

    ipc: MpvIpc
    samples: list[tuple[float, float]] = field(default_factory=list)
    changes: list[tuple[float, str, Any]] = field(default_factory=list)

    @classmethod
    async def open(cls, path: Path) -> PositionWatch:
        watch = cls(MpvIpc())
        watch.ipc.on_property = watch._seen
        await watch.ipc.connect(path, timeout=20)
        for name in ("time-pos", "pause", "idle-active", "vo-configured"):
            await watch.ipc.observe(name)
        return watch

    def _seen(self, name: str, value: Any, at: float) -> None:
        if name == "time-pos" and isinstance(value, int | float):
            self.samples.append((time.time(), float(value)))
        elif name != "time-pos":
            self.changes.append((time.time(), name, value))

    def errors(self, t0_wall: float, since: float, until: float) -> list[float]:
        """Position minus where the line says it should be, each sample between the two."""
        return [pos - (wall - t0_wall) for wall, pos in self.samples if since <= wall <= until]


@dataclass
class NetPair:
    room: VenueRoom
    work: Path
    venues: tuple[Path, Path]
    a: RoomController | None = None
    b: RoomController | None = None
    kas: dict[str, Keepalived] = field(default_factory=dict)
    players: list[subprocess.Popen[Any]] = field(default_factory=list)
    recorders: dict[str, Recorder] = field(default_factory=dict)
    watches: dict[str, PositionWatch] = field(default_factory=dict)

    @classmethod
    async def start(cls, room: VenueRoom, work: Path, players: list[str]) -> NetPair:
        venues = pair_venues(room, work)
        pair = cls(room, work, venues)
        try:
            await pair._start(players)
        except BaseException:
            await pair.close()
            raise
        return pair

    async def _start(self, players: list[str]) -> None:
        media = self.work / "media"
        media.mkdir()
        await asyncio.to_thread(make_clip, media / "clip.mp4")
        for screen in SCREENS:
            if screen not in players:
                self.recorders[screen] = Recorder(self.room, screen, 9000)
        self.recorders["lights"] = Recorder(self.room, "lighting", LIGHTS_PORT)
        self.a = await RoomController.launch(self.room, self.venues[0], host="ctl")
        self.b = await RoomController.launch(self.room, self.venues[1], host="ctlb")
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        for screen in players:
            with open(self.work / f"{screen}.log", "w") as log:
                self.players.append(self.room.popen(screen, [
                    sys.executable, "-m", "showctl", "player", "--config", str(self.venues[0]),
                    "--device", screen, "--media", str(media),
                    "--ipc-dir", str(self.work / f"ipc-{screen}"), "--controller", VIP,
                    "--mpv-arg=--vo=null", "--mpv-arg=--ao=null"],
                    env=env, stdout=log, stderr=subprocess.STDOUT))
        for screen in players:
            self.watches[screen] = await PositionWatch.open(
                self.work / f"ipc-{screen}" / f"{screen}.sock")
        self.kas["ctl"] = start_keepalived(self.room, "ctl", self.room.address("ctl"),
                                           self.venues[0], self.work)
        await self.a.wait_for("is now the active controller", 20)
        self.kas["ctlb"] = start_keepalived(self.room, "ctlb", self.room.address("ctlb"),
                                            self.venues[1], self.work)
        await self.b.wait_for("keepalived says BACKUP", 20)
        await self.b.wait_for("replication with", 10)

    def lights(self) -> list[tuple[float, str, float | None, str]]:
        """(arrival, source, timetag, cue) of every lighting cue received."""
        out = []
        for wall, source, messages in self.recorders["lights"].got:
            for m in messages:
                if m.address == "/showctl/lights/cue":
                    out.append((wall, source, m.timetag, str(m.args[0])))
        return out

    def t0_wall(self) -> float:
        """Show time 0 on the wall clock: the timetag of the first `play` a screen got."""
        for recorder in self.recorders.values():
            for _, _, messages in recorder.got:
                for m in messages:
                    if m.address == "/showctl/player/play" and m.timetag is not None:
                        return float(m.timetag)
        raise AssertionError("no screen got a play")

    def first_from(self, source: str, after: float) -> float | None:
        arrivals = [wall for r in self.recorders.values() for wall, src, _ in r.got
                    if src == source and wall > after]
        return min(arrivals, default=None)

    def largest_gap(self, device: str, since: float, until: float) -> float:
        walls = [w for w, _, _ in self.recorders[device].got if since <= w <= until]
        return max((b - a for a, b in itertools.pairwise(walls)), default=0.0)

    async def close(self) -> None:
        for watch in self.watches.values():
            await watch.ipc.close()
        for ka in self.kas.values():
            ka.stop()
        for ctl in (self.a, self.b):
            if ctl is not None:
                if ctl.proc.returncode is None:
                    with contextlib.suppress(ProcessLookupError):  # a frozen one must hear
                        os.kill(ctl.proc.pid, signal.SIGCONT)  # SIGTERM
                await ctl.stop()
        for proc in self.players:
            proc.terminate()
        for proc in self.players:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for recorder in self.recorders.values():
            recorder.close()
