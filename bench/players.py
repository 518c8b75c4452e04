"""Nine screens and a sound player on real mpv: how close together and how close to the
show clock they play, and how fast they recover, against a naive baseline in the same run.

Two phases, one after the other (so neither steals the other's CPU):
* showctl: one `showctl player` process for nine screens and one audio device
  (`--vo=null --ao=null`), driven as the controller drives it: `load` at preroll, one
  `play` bundle per device with the same timetag, a `clock` bundle a second per device.
* naive: ten plain mpv processes; at the play instant each gets `loadfile` (no preload,
  no timetags, no correction), as a player that acts on arrival would.
In both, at +40 s (of 150) screen3 is pushed 0.5 s ahead (an IPC seek) and at +80 s screen5 is set
to speed 1.01 (a drifting clock). Positions are read from outside through each mpv's own
IPC socket: every frame change (`time-pos` observed, 25 a second per screen, each stamped
on arrival), compared with where the show clock says the media must be.

Figures: the spread across the nine screens (max - min of their current errors, sampled
every 50 ms, outside the disturbed players' recovery windows), each player's error
against the show clock (p50/p99 of |error| outside its window), and the recovery time:
from the disturbance until the error (median of 5 frames) is back within one frame
(40 ms), and within 5 ms, and stays there for a second.

Run: .venv/bin/python bench/players.py [--seconds 150]   (about 6 minutes, CPU-heavy)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from showctl.codec.osc import encode_bundle, encode_message
from showctl.player.ipc import MpvIpc
from tests.support import free_port

FPS = 25
SCREENS = [f"screen{i}" for i in range(1, 10)]
DEVICES = [*SCREENS, "sound"]
PUSHED, DRIFTING = "screen3", "screen5"
PUSH_AT, DRIFT_AT = 0.27, 0.53
"""When the disturbances come, as fractions of the show (40 s and 80 s of 150 s)."""
MPV = ["--idle=yes", "--keep-open=yes", "--hr-seek=yes", "--pause", "--no-config",
       "--no-terminal", "--vo=null", "--ao=null"]


def make_media(root: Path, seconds: int) -> None:
    quiet = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y"]
    subprocess.run([*quiet, "-f", "lavfi", "-i",
                    f"testsrc=duration={seconds}:size=160x90:rate={FPS}", "-g", "10",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                    str(root / "show.mp4")], check=True, timeout=600)
    subprocess.run([*quiet, "-f", "lavfi", "-i",
                    f"sine=frequency=220:duration={seconds}:sample_rate=48000",
                    "-c:a", "flac", str(root / "show.flac")], check=True, timeout=600)


def make_venue(root: Path) -> tuple[Path, dict[str, int]]:
    ports = {d: free_port() for d in DEVICES}
    devices = [{"id": d, "kind": "screen", "index": n + 1, "host": "127.0.0.1",
                "port": ports[d]} for n, d in enumerate(SCREENS)]
    devices.append({"id": "sound", "kind": "audio", "host": "127.0.0.1",
                    "port": ports["sound"]})
    (root / "config").mkdir()
    (root / "shows").mkdir()
    venue = {"venue": "bench", "osc": {"listen": f"127.0.0.1:{free_port()}"},
             "devices": devices}
    (root / "config" / "venue.yaml").write_text(yaml.safe_dump(venue))
    (root / "config" / "schedule.yaml").write_text("shows: []\n")
    show = {"id": "bench", "cues": [
        {"id": "1", "at": 0, "screens": "all", "play": {"media": "show.mp4"}}]}
    (root / "shows" / "bench.yaml").write_text(yaml.safe_dump(show))
    return root / "config" / "venue.yaml", ports


class Watch:
    """One outside IPC connection to an mpv: each frame change, stamped on arrival."""

    def __init__(self) -> None:
        self.edges: list[tuple[float, float]] = []
        self.ipc = MpvIpc(on_property=self._seen)

    def _seen(self, name: str, value: object, at: float) -> None:
        if name == "time-pos" and isinstance(value, float):
            self.edges.append((at, value))

    async def start(self, sock: Path) -> None:
        await self.ipc.connect(sock, timeout=30)
        await self.ipc.observe("time-pos")


async def run_phase(kind: str, seconds: float, media: Path, venue: Path,
                    ports: dict[str, int], ipc_dir: Path) -> dict[str, list[tuple[float, float]]]:
    """Plays the show once; returns each device's errors (wall, error) after t0."""
    procs: list[asyncio.subprocess.Process] = []
    controls: dict[str, MpvIpc] = {}
    if kind == "showctl":
        procs.append(await asyncio.create_subprocess_exec(
            sys.executable, "-m", "showctl", "player", "--config", str(venue),
            *(f"--device={d}" for d in DEVICES), "--media", str(media), "--ipc-dir",
            str(ipc_dir), "--mpv-arg=--vo=null", "--mpv-arg=--ao=null",
            stdout=subprocess.DEVNULL, stderr=open(ipc_dir / "player.log", "w")))  # noqa: SIM115
    else:
        for d in DEVICES:
            extra = ["--aid=no"] if d != "sound" else ["--vid=no"]
            procs.append(await asyncio.create_subprocess_exec(
                "mpv", *MPV, *extra, f"--input-ipc-server={ipc_dir / (d + '.sock')}",
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    watches = {d: Watch() for d in DEVICES}
    try:
        for d, watch in watches.items():
            sock = ipc_dir / f"{d}.sock"
            for _ in range(600):
                if sock.exists():
                    break
                await asyncio.sleep(0.05)
            await watch.start(sock)
            control = MpvIpc()
            await control.connect(sock, timeout=30)
            controls[d] = control
        await asyncio.sleep(1.0)
        out = __import__("socket").socket(2, 2)  # AF_INET, SOCK_DGRAM
        name = {d: "show.flac" if d == "sound" else "show.mp4" for d in DEVICES}
        t0 = time.time() + 3.0
        if kind == "showctl":  # preroll: load now, play at t0, one bundle per device
            for d in DEVICES:
                out.sendto(encode_bundle(0, [encode_message("/showctl/player/load", name[d],
                                                            0.0)]), ("127.0.0.1", ports[d]))
            await asyncio.sleep(t0 - 0.3 - time.time())
            for d in DEVICES:  # sent ahead: the player honours the timetag
                out.sendto(encode_bundle(t0, [encode_message("/showctl/player/play", name[d],
                                                             0.0)]), ("127.0.0.1", ports[d]))
        await asyncio.sleep(max(0.0, t0 - time.time()))
        if kind == "naive":  # on arrival: open and play, no preload, no correction
            for d in DEVICES:
                controls[d].send("loadfile", str(media / name[d]), "replace",
                                 "start=0,pause=no")
        pushed = drifted = False
        next_clock = t0 + 1.0
        while (now := time.time()) < t0 + seconds:
            if kind == "showctl" and now >= next_clock:
                for d in DEVICES:  # the controller's clock: where the media must be
                    tag = next_clock
                    out.sendto(encode_bundle(tag, [encode_message(
                        "/showctl/player/clock", tag - t0, name[d], tag - t0)]),
                        ("127.0.0.1", ports[d]))
                next_clock += 1.0
            if not pushed and now >= t0 + PUSH_AT * seconds:
                controls[PUSHED].send("seek", 0.5, "relative+exact")
                pushed = True
            if not drifted and now >= t0 + DRIFT_AT * seconds:
                controls[DRIFTING].send("set_property", "speed", 1.01)
                drifted = True
            await asyncio.sleep(0.02)
        out.close()
        return {d: [(at, value - (at - t0)) for at, value in w.edges if at >= t0]
                for d, w in watches.items()} | {"_t0": [(t0, 0.0)]}
    finally:
        for ipc in [*controls.values(), *(w.ipc for w in watches.values())]:
            await ipc.close()
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 5)
            except TimeoutError:
                proc.kill()
        if kind == "naive":
            await asyncio.sleep(0.2)


def q(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * (len(ordered) - 1) + 0.5))]


def windows(t0: float, seconds: float) -> dict[str, tuple[float, float]]:
    """Where each disturbed player is excluded from the steady figures: from the push to
    the next disturbance (or the end)."""
    push, drift = t0 + PUSH_AT * seconds, t0 + DRIFT_AT * seconds
    return {PUSHED: (push, drift), DRIFTING: (drift, t0 + seconds)}


def steady(errors: list[tuple[float, float]], device: str, t0: float,
           seconds: float, settle: float = 2.0) -> list[float]:
    start, end = windows(t0, seconds).get(device, (float("inf"), float("inf")))
    return [e for at, e in errors if at >= t0 + settle and not start <= at < end]


def spread(result: dict, t0: float, seconds: float) -> list[float]:
    """Max - min of the nine screens' latest errors, every 50 ms (steady screens only)."""
    out = []
    index = {d: 0 for d in SCREENS}
    excluded = windows(t0, seconds)
    t = t0 + 2.0
    while t < t0 + seconds:
        current = []
        for d in SCREENS:
            edges = result[d]
            i = index[d]
            while i + 1 < len(edges) and edges[i + 1][0] <= t:
                i += 1
            index[d] = i
            start, end = excluded.get(d, (float("inf"), float("inf")))
            if edges and edges[i][0] <= t and t - edges[i][0] < 2.5 / FPS \
                    and not start <= t < end:
                current.append(edges[i][1])
        if len(current) >= 7:
            out.append(max(current) - min(current))
        t += 0.05
    return out


def recovery(errors: list[tuple[float, float]], start: float, end: float,
             within: float, hold: float = 1.0) -> float | None:
    """Seconds from `start` until the median of 5 frames is within `within` and stays so
    for `hold` seconds (a later stall of the loaded host is not the disturbance's);
    None if never before `end`."""
    seen = [(at, e) for at, e in errors if start <= at < end]
    medians = [(seen[i][0], statistics.median(e for _, e in seen[i - 4:i + 1]))
               for i in range(4, len(seen))]
    for n, (at, m) in enumerate(medians):
        if abs(m) > within:
            continue
        ahead = [abs(x) for t, x in medians[n:] if t <= at + hold]
        if medians[-1][0] >= at + hold and max(ahead) <= within:
            return at - start
    return None


def report(kind: str, result: dict, seconds: float) -> None:
    t0 = result["_t0"][0][0]
    s = spread(result, t0, seconds)
    print(f"\n{kind}")
    if s:
        print(f"  nine-screen spread   p50 {q(s, .5) * 1e3:7.2f}  p99 {q(s, .99) * 1e3:7.2f}  "
              f"max {max(s) * 1e3:7.2f} ms  ({len(s)} samples)")
    allsteady: list[float] = []
    for d in DEVICES:
        e = [abs(x) for x in steady(result[d], d, t0, seconds)]
        allsteady += e if d != "sound" else []
        if e:
            print(f"  {d:<8} error vs show clock  p50 {q(e, .5) * 1e3:7.2f}  p99 "
                  f"{q(e, .99) * 1e3:7.2f}  max {max(e) * 1e3:8.2f} ms  ({len(e)} frames)")
        else:
            print(f"  {d:<8} no frames")
    if allsteady:
        close = sum(e <= 0.005 for e in allsteady) / len(allsteady)
        print(f"  all screens          p50 {q(allsteady, .5) * 1e3:7.2f}  p99 "
              f"{q(allsteady, .99) * 1e3:7.2f} ms; {close:.1%} of frames within 5 ms")
    for who, at, end in ((PUSHED, PUSH_AT * seconds, DRIFT_AT * seconds),
                          (DRIFTING, DRIFT_AT * seconds, seconds)):
        frame = recovery(result[who], t0 + at, t0 + end, 1 / FPS)
        fine = recovery(result[who], t0 + at, t0 + end, 0.005)
        last = [e for a, e in result[who] if a >= t0 + end - 1.0]
        what = "pushed 0.5 s" if who == PUSHED else "speed 1.01  "
        shown = [("never" if r is None else f"{r:5.2f} s") for r in (frame, fine)]
        print(f"  {who} {what} recovery: within 1 frame {shown[0]}, within 5 ms "
              f"{shown[1]}; error at the end {statistics.median(last) * 1e3:+.1f} ms"
              if last else f"  {who}: no frames")


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=150.0)
    args = parser.parse_args()
    if not (shutil.which("mpv") and shutil.which("ffmpeg")):
        sys.exit("bench/players.py needs mpv and ffmpeg")
    root = Path(tempfile.mkdtemp(prefix="players-"))
    ipc_root = Path(f"/tmp/bp-{os.getpid()}")
    try:
        media = root / "media"
        media.mkdir()
        make_media(media, int(args.seconds) + 20)
        venue, ports = make_venue(root)
        print(f"load average before: {os.getloadavg()}  ({os.cpu_count()} cores)")
        results = {}
        for kind in ("showctl", "naive"):
            ipc_dir = ipc_root / kind
            ipc_dir.mkdir(parents=True, mode=0o700)
            started = os.times()
            results[kind] = await run_phase(kind, args.seconds, media, venue, ports, ipc_dir)
            used = os.times()
            cpu = (used.children_user + used.children_system
                   - started.children_user - started.children_system)
            print(f"{kind}: done, load average {os.getloadavg()}, child CPU {cpu:.0f} s")
        for kind, result in results.items():
            report(kind, result, args.seconds)
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(ipc_root, ignore_errors=True)


if __name__ == "__main__":
    asyncio.run(main())
