"""The show in the venue room (issue 18): the controller on its own host, nine screens on
theirs (tests/venue/room.py: network namespaces on 198.18.0.0/24, a bridge between them),
against the same on loopback (controller and screens inside the controller's host, on
127.0.0.1), in the same run, rounds interleaved.

1. Cues: `showctl run` plays 40 cues x 9 screens, 250 ms apart (bench/peers.py's
   workload); a receiver on each screen host stamps every bundle with the kernel's
   receive time (SO_TIMESTAMPNS). Per bundle: `early` = timetag - arrival (the profile's
   20 ms lead when on time; late: < 0), `error` = arrival - (timetag - lead) (how late
   the controller sent it); per cue: `skew` = last - first arrival over the nine.
2. Players: nine real `showctl player`s (mpv --vo=null --ao=null), one per screen host
   (`--controller` the controller's address), a 30 s clip started by the controller;
   every frame change of every mpv read through its own IPC socket (unix sockets are
   not in a network namespace), each player's position extrapolated to common instants
   every 50 ms: the nine-screen `spread` (max - min).

Needs root (network namespaces). Run: flock /tmp/cpu.lock .venv/bin/python bench/room.py
[--rounds 2] [--seconds 30] [--skip-players] [--hogs 2]; prints /proc/loadavg beside the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.players import Watch, q
from tests.venue.room import SCREENS, VenueRoom
from tests.venue.show import (
    OSC_PORT,
    ROOT,
    DeviceSocket,
    RoomController,
    room_venue,
    timetag,
)

CUES, STEP, LEAD = 40, 0.25, 0.02
CUE = re.compile(rb"/showctl/player/play\x00.*?c(\d+)_", re.S)
BENCH_SHOW = {"id": "bench", "preroll": 0.5, "cues": [
    {"id": str(k), "at": round(k * STEP, 3), "screens": "all",
     "play": {"media": f"c{k}_{{screen}}.mp4"}} for k in range(CUES)]}


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split(" ")[0]


def devices(room: VenueRoom, lan: bool, port: int = 9000) -> list[dict]:
    """The nine screens: on their hosts (lan), or on 127.0.0.1 beside the controller."""
    return [{"id": s, "kind": "screen", "index": n, "angle": (n - 1) * 40,
             "host": room.address(s) if lan else "127.0.0.1",
             "port": port if lan else port + n} for n, s in enumerate(SCREENS, start=1)]


def receivers(room: VenueRoom, lan: bool) -> dict[str, DeviceSocket]:
    out = {}
    for n, s in enumerate(SCREENS, start=1):
        out[s] = DeviceSocket(room, s, 9000) if lan else \
            DeviceSocket(room, "ctl", 9000 + n, address="127.0.0.1")
        out[s].sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        out[s].stamp()
    return out


def collect(device: DeviceSocket, until: float, got: list) -> None:
    while (left := until - time.time()) > 0:
        packet = device.receive_stamped(min(left, 0.5))
        if packet is None:
            continue
        data, arrival = packet
        match, tag = CUE.search(data), timetag(data)
        if match and tag is not None:
            got.append((int(match[1]), tag, arrival))
            if len(got) == CUES:
                return


async def cues_round(room: VenueRoom, root: Path, lan: bool) -> dict[str, list]:
    venue = room_venue(room, root, devices=devices(room, lan), shows=[BENCH_SHOW],
                       osc={"listen": f"0.0.0.0:{OSC_PORT}",
                            "allow": ["127.0.0.0/8", "198.18.0.0/24"]})
    rx = receivers(room, lan)
    got: dict[str, list] = {s: [] for s in SCREENS}
    try:
        async with await RoomController.launch(room, venue) as ctl:
            control = await ctl.osc_client("integrator")
            until = time.time() + 0.5 + CUES * STEP + 3.0
            threads = [threading.Thread(target=collect, args=(rx[s], until, got[s]))
                       for s in SCREENS]
            for t in threads:
                t.start()
            assert (await control.ok("/showctl/start", "bench")).startswith("prerolling")
            await asyncio.to_thread(lambda: [t.join() for t in threads])
    finally:
        for r in rx.values():
            r.close()
    return got


def cue_figures(rounds: list[dict[str, list]]) -> str:
    early, error, skew, late, count = [], [], [], 0, 0
    for got in rounds:
        by_cue: dict[int, list[float]] = {}
        for items in got.values():
            for k, tag, arrival in items:
                count += 1
                early.append((tag - arrival) * 1e3)
                error.append((arrival - (tag - LEAD)) * 1e3)
                late += arrival > tag
                by_cue.setdefault(k, []).append(arrival)
        skew += [(max(a) - min(a)) * 1e3 for a in by_cue.values() if len(a) == len(SCREENS)]
    if not error:
        return "no bundles received"
    return (f"error ms p50 {q(error, .5):.3f} p99 {q(error, .99):.3f} max {max(error):.3f}  "
            f"skew ms p50 {q(skew, .5):.3f} p99 {q(skew, .99):.3f}  early min "
            f"{min(early):.2f} ms; late {late}/{count}")


def make_clip(root: Path, seconds: int) -> None:
    quiet = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y"]
    subprocess.run([*quiet, "-f", "lavfi", "-i",
                    f"testsrc=duration={seconds + 10}:size=160x90:rate=25", "-g", "10",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                    str(root / "show.mp4")], check=True, timeout=600)


async def players_round(room: VenueRoom, root: Path, media: Path, lan: bool,
                        seconds: float) -> list[float]:
    show = {"id": "movie", "preroll": 1.0, "cues": [
        {"id": "1", "at": 0, "screens": "all", "play": {"media": "show.mp4"}}]}
    venue = room_venue(room, root, devices=devices(room, lan), shows=[show],
                       osc={"listen": f"0.0.0.0:{OSC_PORT}",
                            "allow": ["127.0.0.0/8", "198.18.0.0/24"]})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = []
    async with await RoomController.launch(room, venue) as ctl:
        try:
            for s in SCREENS:
                ipc = root / f"ipc-{s}"
                host, to = (s, room.address("ctl")) if lan else ("ctl", "127.0.0.1")
                with open(root / f"{s}.log", "w") as log:
                    procs.append(room.popen(host, [
                        sys.executable, "-m", "showctl", "player", "--config", str(venue),
                        "--device", s, "--media", str(media), "--ipc-dir", str(ipc),
                        "--controller", to, "--mpv-arg=--vo=null", "--mpv-arg=--ao=null"],
                        env=env, stdout=log, stderr=subprocess.STDOUT))
            for s in SCREENS:
                await ctl.wait_for(f"device {s} online", 60)
            watches = {s: Watch() for s in SCREENS}
            for s, watch in watches.items():
                await watch.start(root / f"ipc-{s}" / f"{s}.sock")
            control = await ctl.osc_client("integrator")
            assert (await control.ok("/showctl/start", "movie")).startswith("prerolling")
            await asyncio.sleep(1.0 + seconds)  # the preroll, then the show: measured after
            return spread([w.edges for w in watches.values()], seconds)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(10)


def spread(edges: list[list[tuple[float, float]]], seconds: float) -> list[float]:
    """Every 50 ms from 3 s after the first frame: max - min of the nine positions, each
    extrapolated from its last frame change (none older than 0.2 s)."""
    starts = [e[0][0] for e in edges if e]
    if len(starts) < len(edges):
        return []
    t, end, out = max(starts) + 3.0, min(e[-1][0] for e in edges), []
    while t < end:
        positions = []
        for series in edges:
            last = [(at, value) for at, value in series if at <= t][-1:]
            if last and t - last[0][0] < 0.2:
                positions.append(last[0][1] + (t - last[0][0]))
        if len(positions) == len(edges):
            out.append((max(positions) - min(positions)) * 1e3)
        t += 0.05
    return out


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--skip-players", action="store_true")
    parser.add_argument("--hogs", type=int, default=0,
                        help="CPU-bound processes beside the run (load B: one per core)")
    args = parser.parse_args()
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
            for _ in range(args.hogs)]
    try:
        await measure(args)
    finally:
        for hog in hogs:  # ours, by pid
            hog.kill()
            hog.wait()


async def measure(args: argparse.Namespace) -> None:
    print(f"load average {loadavg()} at the start ({time.strftime('%H:%M:%S UTC', time.gmtime())})")
    with VenueRoom() as room, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        results: dict[bool, list] = {True: [], False: []}
        for n in range(args.rounds):
            for lan in ((True, False) if n % 2 == 0 else (False, True)):
                results[lan].append(await cues_round(room, root / f"c{n}{lan}", lan))
                print(f"  round {n + 1} {'room' if lan else 'loopback'} done, load {loadavg()}")
        print(f"40 cues x 9 screens, {args.rounds} rounds each, load average now {loadavg()}")
        for lan in (False, True):
            print(f"  {'room    ' if lan else 'loopback'} {cue_figures(results[lan])}")
        if args.skip_players or not Path("/usr/bin/mpv").exists():
            return
        media = root / "media"
        media.mkdir()
        make_clip(media, args.seconds)
        spreads: dict[bool, list[float]] = {}
        for lan in (True, False):
            spreads[lan] = await players_round(room, root / f"p{lan}", media, lan, args.seconds)
            print(f"  players {'room' if lan else 'loopback'} done, load {loadavg()}")
        print(f"nine showctl players, {args.seconds} s clip, load average now {loadavg()}")
        for lan in (False, True):
            s = spreads[lan]
            figures = (f"spread ms p50 {q(s, .5):.2f} p99 {q(s, .99):.2f} max {max(s):.2f} "
                       f"({len(s)} samples)") if s else "no samples"
            print(f"  {'room    ' if lan else 'loopback'} {figures}")


if __name__ == "__main__":
    asyncio.run(main())
