"""Dispatch precision of the engine against a naive baseline, on a busy event loop.

A 500-cue show over nine screens is played in real time twice in the same run: by
showctl's Controller (SystemClock, prebuilt bundles, one burst per cue) and by a naive
player (asyncio.sleep between cues, python-osc's SimpleUDPClient). Meanwhile the loop
does dashboard-like work: every 50 ms a 5 KB state JSON-encoded for 50 queues, and a
coroutine doing 1 ms chunks of CPU work (1 ms busy, 1 ms yielded). Nine receivers in a
separate process stamp each datagram with the kernel's receive time (SO_TIMESTAMPNS).
Then a 1-cue-per-second show without background load gives the engine's CPU share.

Run: .venv/bin/python bench/timing.py   (about 60 s; the figures depend on the host)
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import random
import re
import selectors
import socket
import statistics
import sys
import time
from pathlib import Path

from pythonosc.udp_client import SimpleUDPClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stamps import recv_stamped, stamped_socket
from showctl.core import events
from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import Config
from showctl.model import Cue, Device, Play, Schedule, Show, Venue

CUE_MEDIA = re.compile(rb"/play\x00.*c(\d+)_", re.S)  # plays only, not preroll loads
CUES, SCREENS = 500, 9


def receive(ports: list[int], conn) -> None:
    """Child process: nine sockets; returns (screen, cue, kernel wall time) on request."""
    sel = selectors.DefaultSelector()
    for n, port in enumerate(ports):
        sel.register(stamped_socket(port), selectors.EVENT_READ, n)
    got: list[tuple[int, int, float]] = []
    conn.send("ready")
    while True:
        # poll, never block in select: a receiver woken per datagram would slow the
        # sender's sendto (cross-core wake-ups); kernel timestamps do not need it awake
        time.sleep(0.005)
        for key, _ in sel.select(0):
            data, stamp = recv_stamped(key.fileobj)
            if match := CUE_MEDIA.search(data):
                got.append((key.data, int(match[1]), stamp))
        if conn.poll():
            if conn.recv() == "stop":
                return
            conn.send(got)
            got = []


def free_ports(n: int) -> list[int]:
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def make_show(cues: int, gap: tuple[float, float], seed: int = 7) -> Show:
    rnd, at, out = random.Random(seed), 0.0, []
    for k in range(cues):
        out.append(Cue(id=str(k), at=round(at, 3), screens="all",
                       play=Play(media=f"c{k}_{{screen}}.mp4")))
        at += rnd.uniform(*gap)
    return Show(id="bench", preroll=0.5, cues=tuple(out))


async def background(stop: asyncio.Event) -> None:
    state = {"screens": [{"id": f"screen{i}", "media": "x" * 300, "position": i * 1.5,
                          "log": ["event"] * 40} for i in range(9)]}
    assert 4500 < len(json.dumps(state)) < 6500

    async def dashboard() -> None:
        while not stop.is_set():
            for _ in range(50):
                json.dumps(state)
            await asyncio.sleep(0.05)

    async def cpu() -> None:
        while not stop.is_set():
            end = time.perf_counter() + 0.001
            while time.perf_counter() < end:
                pass
            await asyncio.sleep(0.001)

    await asyncio.gather(dashboard(), cpu())


async def with_load(play, loaded: bool = True) -> tuple[float, float, float]:
    """Runs `play()` (returns the wall instant of t=0); returns it, CPU s, wall s."""
    stop = asyncio.Event()
    load = asyncio.create_task(background(stop)) if loaded else None
    cpu0, wall0 = time.process_time(), time.perf_counter()
    t0_wall = await play()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    stop.set()
    if load:
        await load
    return t0_wall, cpu, wall


async def play_showctl(venue: Venue, show: Show) -> float:
    config = Config(venue, {show.id: show}, {}, Schedule(), Path("schedule.yaml"))
    clock = SystemClock()
    controller = Controller(config, clock)
    done = asyncio.get_running_loop().create_future()
    controller.bus.subscribe(lambda e: e.kind == events.RUN and e.data["event"] == "end"
                             and not done.done() and done.set_result(None))
    start = clock.monotonic() + 1.0
    controller.start(show.id, by="bench", at=start)
    await asyncio.wait_for(done, show.length + 30)
    await controller.close()
    return time.time() + (start - time.monotonic())


async def play_naive(venue: Venue, show: Show) -> float:
    clients = [SimpleUDPClient(d.host, d.port) for d in venue.screens]
    await asyncio.sleep(1.0)
    t0_wall, previous = time.time(), 0.0
    for cue in show.cues:
        await asyncio.sleep(cue.at - previous)
        previous = cue.at
        for n, client in enumerate(clients, 1):
            client.send_message("/showctl/player/play", [cue.play.media.replace(
                "{screen}", str(n)), 0.0])
    return t0_wall


def figures(name: str, show: Show, got, t0_wall: float, cpu: float, wall: float) -> None:
    at = {int(c.id): c.at for c in show.cues}
    errors = [(stamp - (t0_wall + at[cue])) * 1e3 for _, cue, stamp in got]
    per_cue: dict[int, list[float]] = {}
    for _, cue, stamp in got:
        per_cue.setdefault(cue, []).append(stamp)
    skews = [(max(s) - min(s)) * 1e3 for s in per_cue.values() if len(s) == SCREENS]
    absolute = sorted(abs(e) for e in errors)

    def pct(values: list[float], p: float) -> float:
        return values[min(len(values) - 1, int(p * len(values)))]

    skews.sort()
    print(f"{name:<8} received {len(got)}/{len(show.cues) * SCREENS}  "
          f"error ms p50 {pct(absolute, .5):7.3f}  p99 {pct(absolute, .99):7.3f}  "
          f"max {absolute[-1]:7.3f}  (mean signed {statistics.fmean(errors):+.3f})  "
          f"skew ms p50 {pct(skews, .5):6.3f}  p99 {pct(skews, .99):6.3f}  "
          f"CPU {cpu:5.2f} s over {wall:5.1f} s")
    late = sorted({cue for (_, cue, _), e in zip(got, errors, strict=True) if abs(e) > 1.0})
    print(f"{'':<8} cues with any screen off by more than 1 ms: {len(late)} of {len(per_cue)}")


async def main() -> None:
    ports = free_ports(SCREENS)
    venue = Venue(venue="bench", devices=tuple(
        Device(id=f"screen{n}", kind="screen", index=n, port=p)
        for n, p in enumerate(ports, 1)))
    parent, child = mp.Pipe()
    proc = mp.Process(target=receive, args=(ports, child), daemon=True)
    proc.start()
    assert parent.poll(10) and parent.recv() == "ready"

    def collect():
        parent.send("flush")
        assert parent.poll(10)
        return parent.recv()

    show = make_show(CUES, (0.02, 0.06))
    print(f"{CUES} cues over {SCREENS} screens in {show.length:.1f} s, busy loop "
          f"(50 x 5 KB JSON every 50 ms + 1 ms CPU chunks); receivers in another process, "
          f"kernel timestamps")
    for name, player in (("showctl", play_showctl), ("naive", play_naive)):
        t0_wall, cpu, wall = await with_load(lambda p=player: p(venue, show))
        await asyncio.sleep(0.3)  # the last datagrams reach the receiver process
        figures(name, show, collect(), t0_wall, cpu, wall)
    slow = make_show(12, (1.0, 1.0))
    _, cpu, wall = await with_load(lambda: play_showctl(venue, slow), loaded=False)
    collect()
    print(f"1 cue/s over {SCREENS} screens (plus drift clock), no other load: "
          f"CPU {100 * cpu / wall:.1f} % of one core ({cpu:.2f} s in {wall:.1f} s)")
    parent.send("stop")
    proc.join(5)
    print("targets: p99 error <= 0.2 ms, p99 skew <= 0.3 ms, CPU < 10 % at 1 cue/s. "
          "Shared VM: other engineers' work loads the host; maxima are host-bound.")


if __name__ == "__main__":
    asyncio.run(main())
