"""Timecode and DMX direct timing (issue 24), quiet and with a CPU hog on every core.

A 12 s show: nine screens get a cue every 250 ms (plain messages at the instant, no
lead), and, in the `all` runs, the show's Art-Net timecode at 25 fps and an sACN
universe fading without a pause at 40 Hz (a 1 s fade every second) leave from the same
dispatcher. The sender runs in a process of its own under SCHED_FIFO (as `realtime:
auto` runs it as root); nine screens, the timecode and the DMX receivers in another
process stamp each datagram with the kernel's receive time (SO_TIMESTAMPNS).

Figures: Art-Net timecode error against the show clock (frame k due at the wall
instant of t0 + k/25, from the timeline's anchor), its jitter (|error - median|); DMX
frame interval error (|interval - 25 ms|) and error against its 40 Hz grid; screens'
cue error (`screens` runs: the same show without timecode and DMX, the baseline).
Loads: A quiet (whatever the shared machine does), B one busy-looping process per core.

Run: sudo .venv/bin/python bench/timecode.py [--rounds N]   (~2 min; flock /tmp/cpu.lock)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import multiprocessing as mp
import os
import re
import selectors
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.peers import Hogs, pct
from bench.stamps import recv_stamped, stamped_socket
from bench.timing import free_ports

SCREENS, GAP, LENGTH, FPS, DMX_RATE = 9, 0.25, 12.0, 25, 40
CUE_MEDIA = re.compile(rb"/play\x00.*c(\d+)_", re.S)


def receiver(ports: dict[str, int], conn: Any) -> None:
    """Child: stamps every datagram; sends back (kind, key, stamp) when asked."""
    sel = selectors.DefaultSelector()
    for kind, port in ports.items():
        sock = stamped_socket(port)
        sock.setblocking(False)  # drained in full at each poll
        sel.register(sock, selectors.EVENT_READ, kind)
    got: list[tuple[str, int, float]] = []
    conn.send("ready")
    while True:
        time.sleep(0.005)  # poll: the kernel's stamps do not need us awake
        for key, _ in sel.select(0):
            while True:
                try:
                    data, stamp = recv_stamped(key.fileobj)
                except BlockingIOError:
                    break
                kind = key.data
                if kind == "tc":  # ArtTimeCode: Frames, Seconds, Minutes, Hours at 14-17
                    f, s, m, h = data[14:18]
                    got.append(("tc", ((h * 60 + m) * 60 + s) * FPS + f, stamp))
                elif kind == "dmx":  # E1.31: sequence at 111, slot 1 at 126
                    got.append(("dmx", data[126], stamp))
                elif match := CUE_MEDIA.search(data):
                    got.append(("screen", int(match[1]), stamp))
        if conn.poll():
            if conn.recv() == "stop":
                return
            conn.send(got)
            got = []


def show_dict(with_dmx: bool) -> dict[str, Any]:
    cues: list[dict[str, Any]] = [
        {"id": f"s{k}", "at": round(k * GAP, 3), "screens": "all",
         "play": {"media": f"c{k}_{{screen}}.mp4"}} for k in range(int(LENGTH / GAP))]
    if with_dmx:
        cues += [{"id": f"d{k}", "at": float(k), "levels": {
            "channels": {1: 255 if k % 2 else 0, 2: 128}, "fade": 1.0}}
            for k in range(1, int(LENGTH) - 1)]
    cues.sort(key=lambda c: c["at"])
    return {"id": "bench", "preroll": 0.5, "timecode": {"start": "00:00:00:00"},
            "cues": cues}


def sender(ports: dict[str, int], mode: str, conn: Any) -> None:
    """Child: plays the show once; sends back the wall instant of t0 and the CPU used."""
    from showctl import realtime
    from showctl.core import events
    from showctl.core.clock import SystemClock
    from showctl.core.controller import Controller
    from showctl.files.loader import Config
    from showctl.model import Device, Schedule, Show, Venue

    report = realtime.apply("auto")
    everything = mode == "all"
    devices = [Device(id=f"screen{n}", kind="screen", index=n, port=ports[f"screen{n}"],
                      latency=0.0) for n in range(1, SCREENS + 1)]
    if everything:
        devices.append(Device(id="dmx", kind="lighting", profile="sacn", universe=1,
                              port=ports["dmx"], rate=DMX_RATE))
    timecode = {"outputs": [{"kind": "artnet", "host": "127.0.0.1", "port": ports["tc"],
                             "fps": FPS}]} if everything else {}
    venue = Venue.model_validate({"venue": "bench", "realtime": "off", "timecode": timecode,
                                  "safe_look": {"lights": None},
                                  "devices": [d.model_dump() for d in devices]})
    show = Show.model_validate(show_dict(everything))
    config = Config(venue, {show.id: show}, {}, Schedule(), Path("schedule.yaml"))

    async def play() -> dict[str, Any]:
        clock = SystemClock(precise_sleep=report.active)
        controller = Controller(config, clock)
        done = asyncio.get_running_loop().create_future()
        controller.bus.subscribe(lambda e: e.kind == events.RUN and e.data["event"] == "end"
                                 and not done.done() and done.set_result(None))
        gc.collect()
        gc.freeze()
        cpu0 = time.process_time()
        controller.start(show.id, by="bench", at=clock.monotonic() + 1.0)
        engine = controller.engine
        t0_wall = engine.anchor.timetag(engine._t0).wall
        await asyncio.wait_for(done, LENGTH + 30)
        cpu = time.process_time() - cpu0
        await controller.close()
        return {"t0": t0_wall, "cpu": cpu, "policy": report.policy}

    conn.send(asyncio.run(play()))


def analyse(got: list[tuple[str, int, float]], run: dict[str, Any]) -> dict[str, Any]:
    t0 = run["t0"]
    out: dict[str, Any] = {}
    screens = [(stamp - (t0 + key * GAP)) * 1e3 for kind, key, stamp in got
               if kind == "screen"]
    out["screen"] = screens
    tc = [(stamp - (t0 + key / FPS)) * 1e3 for kind, key, stamp in got
          if kind == "tc" and key > 0]
    out["tc"] = tc
    if tc:
        median = pct(tc, 0.5)
        out["tc_jitter"] = [abs(e - median) for e in tc]
    dmx = [stamp for kind, _, stamp in got if kind == "dmx"]
    grid = 1 / DMX_RATE
    moving = [s for s in dmx if t0 + 1.0 - 0.001 <= s <= t0 + LENGTH - 2.0 + 0.02]
    out["dmx_interval"] = [abs((b - a) - grid) * 1e3
                           for a, b in itertools.pairwise(moving)]
    out["dmx"] = [((s - t0 - 1.0) - round((s - t0 - 1.0) / grid) * grid) * 1e3
                  for s in moving]
    out["counts"] = {"screen": len(screens), "tc": len(tc), "dmx": len(moving)}
    return out


def line(name: str, values: list[float]) -> str:
    if not values:
        return f"{name} -"
    absolute = [abs(v) for v in values]
    return (f"{name} p50 {pct(absolute, .5):6.3f} p99 {pct(absolute, .99):6.3f} "
            f"max {max(absolute):6.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    names = [f"screen{n}" for n in range(1, SCREENS + 1)] + ["tc", "dmx"]
    ports = dict(zip(names, free_ports(len(names)), strict=True))
    ctx = mp.get_context("spawn")
    mine, theirs = ctx.Pipe()
    rx = ctx.Process(target=receiver, args=(ports, theirs), daemon=True)
    rx.start()
    assert mine.recv() == "ready"
    print(f"load average before: {Path('/proc/loadavg').read_text().split()[:3]}, "
          f"{os.cpu_count()} CPUs")
    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for _ in range(args.rounds):
        for load in ("A", "B"):
            for mode in ("screens", "all"):
                hogs = Hogs() if load == "B" else None
                if hogs:
                    hogs.__enter__()
                try:
                    a, b = ctx.Pipe()
                    proc = ctx.Process(target=sender, args=(ports, mode, b))
                    proc.start()
                    run = a.recv()
                    proc.join(30)
                    time.sleep(0.1)
                    mine.send("get")
                    got = mine.recv()
                finally:
                    if hogs:
                        hogs.__exit__()
                results.setdefault((load, mode), []).append({**analyse(got, run), **run})
    mine.send("stop")
    print(f"load average after: {Path('/proc/loadavg').read_text().split()[:3]}")
    for (load, mode), runs in results.items():
        merged: dict[str, list[float]] = {}
        for r in runs:
            for key in ("screen", "tc", "tc_jitter", "dmx_interval", "dmx"):
                merged.setdefault(key, []).extend(r.get(key, []))
        cpu = sum(r["cpu"] for r in runs) / len(runs)
        print(f"load {load} {mode:<8} ({runs[0]['policy']}, CPU {cpu:.2f} s / {LENGTH:.0f} s, "
              f"received {runs[0]['counts']})")
        print("   ms  " + line("screens' cue error", merged["screen"]))
        if mode == "all":
            print("   ms  " + line("Art-Net TC error  ", merged["tc"]))
            print("   ms  " + line("Art-Net TC jitter ", merged["tc_jitter"]))
            print("   ms  " + line("DMX interval error", merged["dmx_interval"]))
            print("   ms  " + line("DMX grid error    ", merged["dmx"]))


if __name__ == "__main__":
    main()
