"""showctl against Pure Data on the same workload, quiet and with a CPU hog on every core.

40 cues x 9 screens, 250 ms apart (issue 12). Senders, each in a process of its own:
  plain      showctl, a profile that ignores timetags (plain messages at the instant),
             ordinary scheduling, the full 3.8 ms spin (what showctl did before issue 12)
  plain-rt   the same under SCHED_FIFO (showctl/realtime.py): blocking sleep, 0.2 ms spin
  timetag    showctl's own profile: bundles 20 ms ahead with the exact timetag, under
             ordinary scheduling on purpose (the lead alone must get them there in time)
  timetag-rt the same under SCHED_FIFO, as `realtime: auto` runs it as root or in the unit
  pd         Pd 0.53 (`pd -nogui -nosound -sleepgrain 1`, SCHED_FIFO as root by default)
             running a generated patch: [metro 250] -> [oscformat] -> [netsend -u -b]
  service    the real service: `showctl run` of a venue file (its nine screens plain-message
             devices: the showctl profile with `latency: 0`, sent at the instant), started
             over OSC (`/showctl/start`), `realtime: auto`; the error is against each cue's
             own `deadline_wall` (the cue events it pushes to a subscriber)
  play       `showctl play` of the same venue and show (no t0 is exposed: the grid error)
Options: --flood (service only: four sources send heartbeats and status requests at the
OSC port through the show, bounded), --neighbour PRIO (a SCHED_FIFO process at PRIO doing
2 ms bursts every 10 ms, as an audio server would, beside every sender; --per-core: one
pinned to each core, so the controller cannot move away from them).
Loads: A quiet (whatever the shared machine does), B one busy-looping process per core.
Runs are interleaved (round, load, sender). Nine receivers in another process stamp each
datagram with the kernel's receive time (SO_TIMESTAMPNS).

Errors: showctl's against its plan (t0 known exactly; for `timetag`, against the planned
send time, a lead before the instant, and the timetag itself, in exact NTP units, against
the wall instant the timeline's anchor gives t0 plus the cue's time); Pd has
no shared t0, so for both `grid` fits the best t0 (median) and measures deviation from
the 250 ms grid. Skew: the spread of one cue's nine arrivals. CPU: the sender process's
user+system seconds.

Run: sudo .venv/bin/python bench/peers.py [--rounds N]   (root: SCHED_FIFO; ~4 min)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import multiprocessing as mp
import os
import re
import selectors
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stamps import recv_stamped, stamped_socket
from bench.timing import free_ports, make_show

CUES, SCREENS, GAP = 40, 9, 0.25
NTP_EPOCH = 2208988800
CUE_MEDIA = re.compile(rb"/play\x00.*c(\d+)_", re.S)
SENDERS = ("plain", "plain-rt", "timetag", "timetag-rt", "pd", "service", "play")


# -- receivers ---------------------------------------------------------------------------
def receive(ports: list[int], conn: Any) -> None:
    """Child: (screen, cue, kernel stamp, exact NTP timetag or None) per play datagram, on
    request."""
    sel = selectors.DefaultSelector()
    for n, port in enumerate(ports):
        sel.register(stamped_socket(port), selectors.EVENT_READ, n)
    got: list[tuple[int, int, float, float | None]] = []
    conn.send("ready")
    while True:
        time.sleep(0.005)  # poll: a receiver woken per datagram slows the sender's sendto
        for key, _ in sel.select(0):
            data, stamp = recv_stamped(key.fileobj)
            if match := CUE_MEDIA.search(data):
                tag = None
                if data.startswith(b"#bundle\0"):
                    (tag,) = struct.unpack(">Q", data[8:16])
                got.append((key.data, int(match[1]), stamp, tag))
        if conn.poll():
            if conn.recv() == "stop":
                return
            conn.send(got)
            got = []


# -- showctl -----------------------------------------------------------------------------
def showctl_sender(ports: list[int], mode: str, conn: Any) -> None:
    """Child: plays the show once in `mode`; sends back t0's wall time and figures."""
    from showctl import realtime
    from showctl.core import events
    from showctl.core.clock import SystemClock
    from showctl.core.controller import Controller
    from showctl.files.loader import Config
    from showctl.model import Device, Schedule, Venue
    from showctl.outputs.profiles import PROFILES
    from showctl.outputs.profiles.base import Bundles
    from showctl.outputs.profiles.showctl import ShowctlProfile

    class PlainPlayer(ShowctlProfile):
        name = "bench-plain"
        bundles = Bundles.IGNORED
        default_lead = 0.0

    PROFILES[PlainPlayer.name] = PlainPlayer
    report = realtime.apply("on" if mode.endswith("-rt") else "off")
    profile = "showctl" if mode.startswith("timetag") else PlainPlayer.name
    venue = Venue(venue="bench", realtime="off", devices=tuple(
        Device(id=f"screen{n}", kind="screen", index=n, port=p, profile=profile)
        for n, p in enumerate(ports, 1)))
    show = make_show(CUES, (GAP, GAP))
    config = Config(venue, {show.id: show}, {}, Schedule(), Path("schedule.yaml"))

    async def play() -> dict[str, Any]:
        clock = SystemClock(precise_sleep=report.active)
        controller = Controller(config, clock)
        done = asyncio.get_running_loop().create_future()
        controller.bus.subscribe(lambda e: e.kind == events.RUN and e.data["event"] == "end"
                                 and not done.done() and done.set_result(None))
        gc.collect()
        gc.freeze()  # as showctl run does
        cpu0 = time.process_time()
        start = clock.monotonic() + 1.0
        t0_wall = time.time() + (start - time.monotonic())
        controller.start(show.id, by="bench", at=start)
        anchor = controller.engine.anchor
        t0_ntp = anchor.timetag(start).ntp  # the timeline's own wall instant of t0
        await asyncio.wait_for(done, show.length + 30)
        cpu = time.process_time() - cpu0
        await controller.close()
        return {"t0": t0_wall, "t0_ntp": t0_ntp, "cpu": cpu, "spin": clock.spins.as_json(),
                "anchor_vs_bench_us": (anchor.timetag(start).wall - t0_wall) * 1e6,
                "policy": report.policy, "lead": controller.engine.out.router.max_lead}

    conn.send(asyncio.run(play()))


# -- the real service ----------------------------------------------------------------------
ROOT = Path(__file__).resolve().parents[1]


def service_venue(ports: list[int], folder: Path) -> tuple[Path, int]:
    """A venue file for `showctl run` / `play`: nine plain-message screens (showctl
    profile, latency 0), the bench show; its OSC port."""
    import yaml

    from bench.timing import free_ports as free
    osc, web = free(2)
    (folder / "shows").mkdir(exist_ok=True)
    show = make_show(CUES, (GAP, GAP))
    (folder / "shows" / "bench.yaml").write_text(yaml.safe_dump({
        "id": show.id, "preroll": show.preroll, "cues": [
            {"id": c.id, "at": c.at, "screens": "all",
             "play": {"media": f"c{c.id}_{{screen}}.mp4"}} for c in show.cues]}))
    venue = folder / "venue.yaml"
    venue.write_text(yaml.safe_dump({
        "venue": "bench", "state_dir": str(folder / "var"), "shows": "shows",
        "realtime": "auto", "osc": {"listen": f"127.0.0.1:{osc}",
                                    "allow": ["127.0.0.0/8"]},
        "web": {"listen": f"127.0.0.1:{web}"},
        "devices": [{"id": f"screen{n}", "kind": "screen", "index": n, "host": "127.0.0.1",
                     "port": p, "profile": "showctl", "latency": 0}
                    for n, p in enumerate(ports, 1)]}, sort_keys=False))
    return venue, osc


def play_service(ports: list[int], folder: Path, flood: bool) -> dict[str, Any]:
    """`showctl run` started over OSC; (cue -> its deadline_wall) from the cue events."""
    import json
    import socket as sk

    from showctl.codec.osc import decode, encode_message
    venue, osc = service_venue(ports, folder)
    proc = subprocess.Popen([sys.executable, "-m", "showctl", "run", "--config", str(venue)],
                            cwd=str(folder), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)})
    floods: list[subprocess.Popen[bytes]] = []
    try:
        assert proc.stderr is not None
        while b"ready:" not in (line := proc.stderr.readline()):
            assert line, "showctl run did not start"
        client = sk.socket(sk.AF_INET, sk.SOCK_DGRAM)
        client.bind(("127.0.0.1", 0))
        client.settimeout(CUES * GAP + 20)
        client.sendto(encode_message("/showctl/subscribe", 1), ("127.0.0.1", osc))
        if flood:  # bounded: four sources, for the show's length, ~2,500 packets/s each
            floods = [subprocess.Popen([sys.executable, "-c", FLOOD, f"127.0.0.{20 + n}",
                                        str(osc), str(CUES * GAP + 1.5)]) for n in range(4)]
        cpu0 = time.process_time()
        client.sendto(encode_message("/showctl/start", "bench"), ("127.0.0.1", osc))
        deadlines: dict[int, float] = {}
        realtime: dict[str, Any] = {}
        running = False
        while True:
            data = client.recv(1 << 16)
            for message in decode(data):
                body = json.loads(message.args[0]) if message.args else {}
                if message.address == "/showctl/event/cue":
                    deadlines[int(body["cue"])] = body["deadline_wall"]
                elif message.address == "/showctl/event/state":
                    running = running or body["state"] == "running"
                    if running and body["state"] == "idle":
                        break
            else:
                continue
            break
        cpu = time.process_time() - cpu0  # the bench's own: the service's is its process
        # the full status (over TCP: UDP gets the compact one): how long its dispatcher spun
        from showctl.cli.controller_link import ask
        from showctl.files.loader import load_config
        full = asyncio.run(ask(load_config(venue).venue, "/showctl/status", timeout=10))
        realtime = full["data"].get("realtime") or {}
    finally:
        for f in floods:
            f.wait(30)
        proc.terminate()
        proc.wait(20)
    return {"t0": None, "deadlines": deadlines, "cpu": cpu, "spin": realtime.get("spin"),
            "lead": 0.0, "policy": realtime.get("policy", "?"),
            "flood": len(floods)}


FLOOD = """
import socket, sys, time
from showctl.codec.osc import encode_message
host, port, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((host, 0))
beat, ask = encode_message("/showctl/heartbeat", "screen1"), encode_message("/showctl/status")
end, n = time.monotonic() + seconds, 0
while time.monotonic() < end:
    for _ in range(25):
        s.sendto(beat if n % 5 else ask, ("127.0.0.1", port)); n += 1
    time.sleep(0.01)
print(n, file=sys.stderr)
"""


def play_play(ports: list[int], folder: Path) -> dict[str, Any]:
    """`showctl play bench` of the same venue (in its own process, as a user runs it)."""
    venue, _ = service_venue(ports, folder)
    proc = subprocess.Popen([sys.executable, "-m", "showctl", "play", "bench", "--config",
                             str(venue)], cwd=str(folder), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.stderr is not None
    while b" cue " not in (line := proc.stderr.readline()):  # the show has begun
        assert line, "showctl play ended before its first cue"
    try:
        policy = os.sched_getscheduler(proc.pid) & ~getattr(os, "SCHED_RESET_ON_FORK", 0)
    except OSError:
        policy = -1
    _, err = proc.communicate(timeout=CUES * GAP + 30)
    assert proc.returncode == 0, err
    return {"t0": None, "cpu": 0.0, "spin": None, "lead": 0.0,
            "policy": {0: "SCHED_OTHER", 1: "SCHED_FIFO"}.get(policy, policy)}


NEIGHBOUR = """
import os, sys, time
os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(int(sys.argv[1])))
if len(sys.argv) > 3:  # pinned to one core: the controller cannot move away from it
    os.sched_setaffinity(0, {int(sys.argv[3])})
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:   # an audio server's period: 2 ms of work every 10 ms
    burst = time.monotonic() + 0.002
    while time.monotonic() < burst:
        pass
    time.sleep(0.008)
"""


# -- Pd ----------------------------------------------------------------------------------
def pd_patch(ports: list[int], control: int) -> str:
    """A patch that, on any datagram at `control`, sends CUES bursts GAP apart: for each
    screen /showctl/player/play "c<k>_<n>.mp4" 0.0 (as the showctl senders do)."""
    lines = ["#N canvas 0 0 800 600 12;"]
    objects: list[str] = []

    def add(text: str) -> int:
        objects.append(f"#X {text};")
        return len(objects) - 1

    connects: list[tuple[int, int, int, int]] = []
    rx = add(f"obj 10 10 netreceive -u -b {control}")
    trig = add("obj 10 40 t b b")
    metro = add(f"obj 10 70 metro {GAP * 1000:g}")
    count = add("obj 10 100 f")
    plus = add("obj 60 100 + 1")
    zero = add("msg 100 40 0")
    moses = add(f"obj 10 130 moses {CUES}")
    stop = add("msg 200 160 stop")
    load = add("obj 300 10 loadbang")
    connects += [(rx, 0, trig, 0), (trig, 0, metro, 0), (trig, 1, zero, 0),
                 (zero, 0, count, 1), (metro, 0, count, 0), (count, 0, plus, 0),
                 (plus, 0, count, 1), (count, 0, moses, 0), (moses, 1, stop, 0),
                 (stop, 0, metro, 0)]
    for n, port in enumerate(ports, 1):
        x = 10 + 80 * n
        name = add(f"obj {x} 200 makefilename c%d_{n}.mp4")
        app = add(f"obj {x} 230 list append 0")
        osc = add(f"obj {x} 260 oscformat showctl player play")
        pre = add(f"obj {x} 290 list prepend send")
        trim = add(f"obj {x} 320 list trim")
        net = add(f"obj {x} 350 netsend -u -b")
        conn = add(f"msg {x} 380 connect 127.0.0.1 {port}")
        connects += [(moses, 0, name, 0), (name, 0, app, 0), (app, 0, osc, 0),
                     (osc, 0, pre, 0), (pre, 0, trim, 0), (trim, 0, net, 0),
                     (load, 0, conn, 0), (conn, 0, net, 0)]
    lines += objects
    lines += [f"#X connect {a} {o} {b} {i};" for a, o, b, i in connects]
    return "\n".join(lines) + "\n"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def play_pd(ports: list[int], folder: Path) -> dict[str, Any]:
    control = free_ports(1)[0]
    patch = folder / "peers.pd"
    patch.write_text(pd_patch(ports, control))
    proc = subprocess.Popen(["pd", "-nogui", "-nosound", "-nomidi", "-noprefs",
                             "-sleepgrain", "1", "-open", str(patch)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.5)  # Pd loads the patch and connects its netsends
        cpu0 = cpu_seconds(proc.pid)
        with __import__("socket").socket(2, 2) as kick:  # AF_INET, SOCK_DGRAM
            kick.sendto(b"\x01", ("127.0.0.1", control))
        t0 = time.time()
        time.sleep(CUES * GAP + 0.5)
        cpu = cpu_seconds(proc.pid) - cpu0
        policy = os.sched_getscheduler(proc.pid)
    finally:
        proc.terminate()
        proc.wait(10)
    return {"t0": t0, "cpu": cpu, "spin": None, "lead": 0.0,
            "policy": {0: "SCHED_OTHER", 1: "SCHED_FIFO", 2: "SCHED_RR"}.get(policy, policy)}


# -- load --------------------------------------------------------------------------------
def hog() -> None:
    while True:
        pass


class Hogs:
    """Load B: one busy-looping process per core, ordinary priority."""

    def __enter__(self) -> Hogs:
        self.procs = [mp.Process(target=hog, daemon=True) for _ in range(os.cpu_count() or 1)]
        for p in self.procs:
            p.start()
        time.sleep(0.3)
        return self

    def __exit__(self, *exc: object) -> None:
        for p in self.procs:
            p.terminate()
            p.join(5)


# -- figures -----------------------------------------------------------------------------
def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))] if values else float("nan")


def analyse(got: list[tuple[int, int, float, int | None]], t0: float | None,
            lead: float = 0.0, t0_ntp: int | None = None,
            deadlines: dict[int, float] | None = None) -> dict:
    """Errors (ms) against the plan from `t0` (sent `lead` early: the error is the
    dispatch's, against the planned send time), or against the best-fitting grid;
    timetags (NTP units) against the plan from `t0_ntp`."""
    stamps = [(cue, stamp) for _, cue, stamp, _ in got]
    fitted = sorted(stamp - cue * GAP for cue, stamp in stamps)[len(stamps) // 2]
    grid = [abs(stamp - (fitted + cue * GAP)) * 1e3 for cue, stamp in stamps]
    per_cue: dict[int, list[float]] = {}
    for _, cue, stamp, _ in got:
        per_cue.setdefault(cue, []).append(stamp)
    out: dict[str, Any] = {
        "n": len(got), "grid": grid,
        "skew": [(max(s) - min(s)) * 1e3 for s in per_cue.values() if len(s) == SCREENS]}
    if deadlines:  # the service's own plan: each cue's deadline_wall
        out["error"] = [abs(stamp - deadlines[cue]) * 1e3 for cue, stamp in stamps
                        if cue in deadlines]
    elif t0 is not None:
        out["error"] = [abs(stamp - (t0 - lead + cue * GAP)) * 1e3 for cue, stamp in stamps]
        tags = [(cue, stamp, tag) for _, cue, stamp, tag in got if tag is not None]
        if t0_ntp is not None:  # in timetag units (2**-32 s)
            out["tag_error"] = [abs(tag - (t0_ntp + round(cue * GAP * 2**32)))
                                for cue, _, tag in tags]
        out["early"] = [(tag / 2**32 - NTP_EPOCH - stamp) * 1e3 for _, stamp, tag in tags]
    return out


def merge(runs: list[dict]) -> dict:
    merged: dict[str, Any] = {}
    for run in runs:
        for key, value in run.items():
            if isinstance(value, list):
                merged.setdefault(key, []).extend(value)
            elif isinstance(value, int | float):
                merged[key] = merged.get(key, 0) + value
    return merged


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--senders", default=",".join(SENDERS))
    parser.add_argument("--loads", default="A,B")
    parser.add_argument("--flood", action="store_true")
    parser.add_argument("--neighbour", type=int, default=None, metavar="PRIO")
    parser.add_argument("--per-core", action="store_true",
                        help="one neighbour pinned to each core instead of one")
    args = parser.parse_args()
    senders = [s for s in args.senders.split(",") if s != "pd" or shutil.which("pd")]
    ports = free_ports(SCREENS)
    parent, child = mp.Pipe()
    rx = mp.Process(target=receive, args=(ports, child), daemon=True)
    rx.start()
    assert parent.poll(10) and parent.recv() == "ready"

    def collect() -> list:
        parent.send("flush")
        assert parent.poll(10)
        return parent.recv()

    folder = Path(tempfile.mkdtemp(prefix="showctl-peers-"))
    results: dict[tuple[str, str], list[dict]] = {}
    extra: dict[tuple[str, str], list[dict]] = {}
    load_before = os.getloadavg()
    began = time.time()
    for _ in range(args.rounds):
        for load in args.loads.split(","):
            for sender in senders:
                collect()
                hogs = Hogs() if load == "B" else None
                neighbour = None
                try:
                    if hogs:
                        hogs.__enter__()
                    if args.neighbour is not None:
                        cores = range(os.cpu_count() or 1) if args.per_core else [None]
                        neighbours = [subprocess.Popen(
                            [sys.executable, "-c", NEIGHBOUR, str(args.neighbour), "60",
                             *([] if core is None else [str(core)])]) for core in cores]
                        neighbour = neighbours
                    if sender == "pd":
                        info = play_pd(ports, folder)
                    elif sender == "service":
                        info = play_service(ports, folder, args.flood)
                    elif sender == "play":
                        info = play_play(ports, folder)
                    else:
                        back, out = mp.Pipe()
                        proc = mp.Process(target=showctl_sender, args=(ports, sender, out))
                        proc.start()
                        assert back.poll(60), f"{sender} did not finish"
                        info = back.recv()
                        proc.join(10)
                    time.sleep(0.3)  # the last datagrams reach the receiver process
                finally:
                    for proc_n in neighbour or ():
                        proc_n.kill()
                        proc_n.wait(5)
                    if hogs:
                        hogs.__exit__()
                got = collect()
                run = analyse(got, None if sender == "pd" else info["t0"], info.get("lead", 0.0),
                              info.get("t0_ntp"), info.get("deadlines"))
                results.setdefault((sender, load), []).append(run)
                extra.setdefault((sender, load), []).append(info)
    parent.send("stop")
    rx.join(5)
    shutil.rmtree(folder, ignore_errors=True)
    print(f"{CUES} cues x {SCREENS} screens, {GAP * 1000:g} ms apart; {args.rounds} rounds "
          f"interleaved; A quiet, B {os.cpu_count()} CPU hogs; host load average before "
          f"{load_before[0]:.1f} (1 min), after {os.getloadavg()[0]:.1f}; "
          f"{time.time() - began:.0f} s" + (" ; flood on service" if args.flood else "")
          + (f"; SCHED_FIFO {args.neighbour} neighbour(s) (2 ms bursts / 10 ms"
             f"{', one pinned per core' if args.per_core else ''})"
             if args.neighbour is not None else ""))
    pd_p99 = {load: pct(merge(results[("pd", load)])["grid"], .99)
              for load in ("A", "B") if ("pd", load) in results}
    for load in args.loads.split(","):
        print(f"-- load {load}")
        for sender in senders:
            m = merge(results[(sender, load)])
            infos = extra[(sender, load)]
            cpu = sum(i["cpu"] for i in infos) / len(infos)
            kind = "grid" if sender in ("pd", "play") else "error"
            line = (f"{sender:<10} {infos[0]['policy']:<11} recv {m['n']:>4}/"
                    f"{CUES * SCREENS * len(infos)}  {kind} ms p50 {pct(m[kind], .5):6.3f} "
                    f"p99 {pct(m[kind], .99):6.3f} max {max(m[kind], default=0):7.3f}  "
                    f"skew p99 {pct(m['skew'], .99):6.3f}  CPU {cpu:5.2f} s/run")
            if sender not in ("pd", "play"):
                line += f"  grid p99 {pct(m['grid'], .99):6.3f}"
                if load in pd_p99:
                    line += f" (x{pct(m['grid'], .99) / pd_p99[load]:.2f} Pd)"
                spins = [i["spin"] for i in infos if i["spin"]]
                if spins:
                    line += f"  spin max {max(s['max_ms'] for s in spins):.2f} ms " \
                            f"mean {sum(s['mean_ms'] for s in spins) / len(spins):.2f}"
            print(line)
            if m.get("tag_error"):
                early = m["early"]
                bench = max(abs(i["anchor_vs_bench_us"]) for i in infos)
                print(f"{'':<22} timetag - plan max {max(m['tag_error'])} units of 2**-32 s "
                      f"({max(m['tag_error']) / 2**32 * 1e9:.2f} ns; the anchor's t0 vs the "
                      f"bench's own clock reading: {bench:.1f} us); "
                      f"arrived before the instant by min {min(early):.2f} ms, p50 "
                      f"{pct(early, .5):.2f} ms; late bundles: "
                      f"{sum(1 for e in early if e <= 0)} of {len(early)}")
    print("targets under B: plain devices error p99 <= 0.2 ms and skew p99 <= 0.2 ms; "
          "timetag devices: no bundle arrives after its instant")


if __name__ == "__main__":
    main()
