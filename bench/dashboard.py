"""Does the dashboard disturb the show? 200 WebSocket clients while a show plays.

The same 150-cue show (nine screens, a cue every 0.3 s) is played in real time, with
the dashboard server up each time, as A B A B C:
  A. no dashboard client;
  B. 200 clients on showctl's hub (one status per batch, per-client queues);
  C. 200 clients on a naive hub (status computed, serialised and sent per client,
     per event, from the bus listener): the baseline.
A and B alternate and are pooled, so that noise from the rest of the host falls on both.
Nine receivers in a separate process stamp each bundle with the kernel's receive time
(SO_TIMESTAMPNS): the show's timing error is that minus the bundle's timetag. The
clients live in two other processes and measure, for every cue event, its arrival
minus the cue's deadline (`deadline_wall`). All on 127.0.0.1.

Run: .venv/bin/python bench/dashboard.py   (about 4 min; figures depend on the host)
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import re
import selectors
import socket
import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stamps import recv_stamped, stamped_socket
from showctl.codec.osc import NTP_UNIX
from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.web import WebServer
from showctl.web.auth import token_hash
from showctl.web.live import Hub, dumps
from showctl.web.pages import HUB
from tests.support import free_port, write_config

CUES, SPACING, CLIENTS, PROCESSES = 150, 0.3, 200, 2
PLAN = (("A no clients", 0, False), (f"B {CLIENTS} clients, showctl hub", CLIENTS, False),
        (f"C {CLIENTS} clients, naive hub", CLIENTS, True))
TOKEN = "bench-viewer-token"
DEADLINE = re.compile(r'"deadline_wall":([0-9.e+]+)')


def receive_bundles(ports: list[int], conn) -> None:
    """Child: kernel arrival minus timetag (s) of every bundle, until told to stop."""
    sel = selectors.DefaultSelector()
    for port in ports:
        sel.register(stamped_socket(port), selectors.EVENT_READ)
    errors: list[float] = []
    conn.send("ready")
    while True:
        # poll, never block in select: a receiver woken per datagram slows the sender's
        # sendto (cross-core wake-ups), as bench/timing.py found; the stamps need no wake-up
        time.sleep(0.005)
        for key, _ in sel.select(0):
            data, stamp = recv_stamped(key.fileobj)
            if data.startswith(b"#bundle\0"):
                sec, frac = struct.unpack(">II", data[8:16])
                if sec or frac > 1:
                    errors.append(stamp - (sec - NTP_UNIX + frac / 2**32))
        if conn.poll():
            conn.recv()
            conn.send(errors)
            errors = []


def run_clients(url: str, n: int, conn) -> None:
    """Child: `n` dashboards; per cue event, arrival minus deadline, until the server
    closes them. Messages are not parsed unless they are cue events (cheap, as a
    browser's JSON.parse is not the server's concern)."""

    async def one(session: aiohttp.ClientSession, ready: asyncio.Event, out: list) -> None:
        async with session.ws_connect(f"{url}/ws", headers={"Authorization": f"Bearer {TOKEN}"},
                                      max_msg_size=0) as ws:
            await ws.receive()
            ready.set()
            async for msg in ws:
                if '"kind":"cue"' in msg.data:
                    out.append(time.time() - float(DEADLINE.search(msg.data)[1]))

    async def main() -> None:
        delays: list[list[float]] = [[] for _ in range(n)]
        async with aiohttp.ClientSession() as session:
            readies = [asyncio.Event() for _ in range(n)]
            tasks = [asyncio.create_task(one(session, ready, out))
                     for ready, out in zip(readies, delays, strict=True)]
            async with asyncio.timeout(60):
                await asyncio.gather(*(r.wait() for r in readies))
            conn.send("ready")
            async with asyncio.timeout(120):
                await asyncio.gather(*tasks, return_exceptions=True)
        conn.send(delays)

    asyncio.run(main())


class NaiveHub(Hub):
    """The baseline: every event, for every client, a fresh status and two sends."""

    def start(self) -> None:
        self._unsubscribe = self._controller.bus.subscribe(self._on_event)

    def _on_event(self, event) -> None:
        for client in self._clients:
            text = dumps({"type": "event", **event.as_json()})
            status = self.status_message()
            asyncio.get_running_loop().create_task(client.ws.send_str(text))
            asyncio.get_running_loop().create_task(client.ws.send_str(status))


def make_venue(root: Path) -> Path:
    cues = [{"id": str(n), "at": round(1 + n * SPACING, 3), "name": f"cue {n}",
             "screens": "all", "play": {"media": f"c{n}_{{screen}}.mp4"}} for n in range(CUES)]
    show = {"id": "bench", "title": "Dashboard bench", "preroll": 1.0, "cues": cues}
    web = {"listen": f"127.0.0.1:{free_port(socket.SOCK_STREAM)}",
           "tokens": [{"name": "bench", "role": "viewer", "token_hash": token_hash(TOKEN)}]}
    return write_config(root, shows=[show], venue_extra={"web": web})


async def play(venue_path: Path, clients: int, naive: bool, timing) -> tuple[list, list]:
    controller = Controller(load_config(venue_path), SystemClock())
    server = WebServer(controller)
    if naive:
        server.app[HUB] = NaiveHub(controller)
    await server.start()
    ctx = mp.get_context("spawn")
    procs = []
    for share in [clients // PROCESSES] * PROCESSES if clients else []:
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=run_clients, args=(server.url, share, child), daemon=True)
        proc.start()
        procs.append((proc, parent))
    for _, parent in procs:
        assert await asyncio.to_thread(parent.poll, 90) and parent.recv() == "ready"
    ended = asyncio.get_running_loop().create_future()
    controller.bus.subscribe(lambda e: e.kind == "run" and e.data.get("event") == "end"
                             and not ended.done() and ended.set_result(None))
    controller.start("bench", by="bench")
    await asyncio.wait_for(ended, CUES * SPACING + 15)
    await asyncio.sleep(0.2)  # pacing only: let the last fan-out leave before closing
    await server.stop()
    await controller.close()
    delays = []
    for proc, parent in procs:
        assert await asyncio.to_thread(parent.poll, 60)
        delays += parent.recv()
        proc.join(10)
    timing.send("report")
    return timing.recv(), delays


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def line(name: str, values: list[float]) -> str:
    ms = [v * 1e3 for v in values]
    return (f"{name:44s} n={len(ms):6d}  p50 {pct(ms, .5):7.3f}  p99 {pct(ms, .99):7.3f}  "
            f"max {max(ms):7.3f} ms")


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        venue_path = make_venue(Path(tmp))
        ports = [d.port for d in load_config(venue_path).venue.devices]
        parent, child = mp.get_context("spawn").Pipe()
        receiver = mp.get_context("spawn").Process(target=receive_bundles,
                                                   args=(ports, child), daemon=True)
        receiver.start()
        assert parent.poll(30) and parent.recv() == "ready"
        runs: dict[str, tuple[list, list]] = {}
        for name, clients, naive in (*PLAN[:2], *PLAN[:2], PLAN[2]):
            print(f"playing {CUES} cues x 9 screens: {name} ...", flush=True)
            timing, delays = await play(venue_path, clients, naive, parent)
            before = runs.setdefault(name, ([], []))
            before[0].extend(timing)
            before[1].extend(delays)
        receiver.terminate()
    print("\nshow timing error (bundle arrival - timetag, kernel stamps):")
    for name, (timing, _) in runs.items():
        print("  " + line(name, timing))
    base = pct(runs["A no clients"][0], .99)
    for name, (timing, _) in list(runs.items())[1:]:
        print(f"  p99 change vs A, {name}: {(pct(timing, .99) - base) * 1e3:+.3f} ms")
    print("\ncue dispatch -> arrival at the dashboard clients (all clients, all cues):")
    for name, (_, delays) in list(runs.items())[1:]:
        flat = [d for client in delays for d in client]
        complete = sum(len(c) == CUES for c in delays)
        print("  " + line(name, flat) + f"  ({complete}/{len(delays)} client-runs got all cues)")
        if complete == len(delays):  # per cue of each run: when its last client had it
            runs_of = [delays[i:i + CLIENTS] for i in range(0, len(delays), CLIENTS)]
            last = [max(c[i] for c in run) for run in runs_of for i in range(CUES)]
            print(f"  {'':44s} last of {CLIENTS} clients, per cue: p50 "
                  f"{statistics.median(last) * 1e3:.3f}  p99 {pct(last, .99) * 1e3:.3f} ms")


if __name__ == "__main__":
    asyncio.run(main())
