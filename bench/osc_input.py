"""OSC input: commands/s without loss, command-to-screen latency, show timing under load.

Each figure against python-osc's own AsyncIOOSCUDPServer + Dispatcher calling the same
Controller, in the same run. Senders and receivers are separate processes (this file
with --send / --fire / --watch), so the server's loop is measured alone.

    .venv/bin/python bench/osc_input.py
"""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pythonosc.dispatcher import Dispatcher  # noqa: E402
from pythonosc.osc_server import AsyncIOOSCUDPServer  # noqa: E402

from bench.stamps import recv_stamped, stamped_socket  # noqa: E402
from showctl.codec.osc import decode, encode_message  # noqa: E402
from showctl.core.clock import SystemClock  # noqa: E402
from showctl.core.controller import Controller  # noqa: E402
from showctl.files.loader import load_config  # noqa: E402
from showctl.osc import OscServer  # noqa: E402
from tests.support import write_config  # noqa: E402

RATES = (10_000, 20_000, 30_000, 40_000, 60_000)
SECONDS = 1.0
FIRES, FIRE_GAP = 300, 0.015
CUES = [{"id": f"c{n}", "at": n, "screens": [1], "play": {"media": f"m{n}.mp4"}}
        for n in range(12)]
TICKS = [{"id": f"t{n}", "at": round(0.05 * n, 2), "screens": "all",
          "play": {"media": f"t{n}_{{screen}}.mp4"}} for n in range(60)]


# -- helper processes --------------------------------------------------------------------
def send(port: int, rate: int, seconds: float) -> None:
    """Heartbeats at `rate`/s in 1 ms bursts; prints how many were sent."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    packet = encode_message("/showctl/heartbeat", "screen1")
    per_ms, sent, start = rate / 1000, 0, time.monotonic()
    while (elapsed := time.monotonic() - start) < seconds:
        due = int(elapsed * 1000 * per_ms) + int(per_ms)
        while sent < min(due, int(rate * seconds)):
            sock.sendto(packet, ("127.0.0.1", port))
            sent += 1
        time.sleep(0.0005)
    print(sent, flush=True)


def fire(port: int, screen_port: int) -> None:
    """Fires cues one by one; prints each send-to-arrival time at the screen (seconds)."""
    out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    screen = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    screen.bind(("127.0.0.1", screen_port))
    screen.settimeout(2)
    lat = []
    for n in range(FIRES):
        message = encode_message(f"/showctl/cue/c{n % len(CUES)}/fire")
        sent = time.perf_counter()
        out.sendto(message, ("127.0.0.1", port))
        while True:  # the load/play of this cue (skip anything older)
            data = screen.recv(65536)
            got = time.perf_counter()
            if any(m.address == "/showctl/player/play" for m in decode(data)):
                break
        lat.append(got - sent)
        time.sleep(FIRE_GAP)
    print(json.dumps(lat), flush=True)


def watch(screen_port: int, seconds: float) -> None:
    """A screen: each bundle's arrival minus its timetag (seconds), until quiet. Arrival
    is the kernel's receive time: this process waiting for a CPU behind the flood's
    sender must not count as the controller being late."""
    screen = stamped_socket(screen_port)
    screen.settimeout(seconds)
    print("ready", flush=True)
    late = []
    try:
        while True:
            data, now = recv_stamped(screen)
            late += [now - m.timetag for m in decode(data)
                     if m.timetag and m.address == "/showctl/player/play"]
    except TimeoutError:
        pass
    print(json.dumps(late), flush=True)


def helper(*args: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, __file__, *map(str, args)],
                            stdout=subprocess.PIPE, text=True)


# -- the two servers ---------------------------------------------------------------------
async def start(kind: str, venue: Path) -> tuple[Controller, object]:
    controller = Controller(load_config(venue), SystemClock())
    if kind == "showctl":
        server = OscServer(controller)
        await server.start()
        return controller, server

    def heartbeat(_address: str, device: str) -> None:
        controller.heartbeat(device)
        controller.count("osc.ok")

    def fire_cue(address: str) -> None:
        controller.fire(address.split("/")[3], by="bench")
        controller.count("osc.ok")

    dispatcher = Dispatcher()
    dispatcher.map("/showctl/heartbeat", heartbeat)
    dispatcher.map("/showctl/cue/*/fire", fire_cue)
    host, port = controller.config.venue.osc.listen
    transport, _ = await AsyncIOOSCUDPServer((host, port), dispatcher,
                                             asyncio.get_running_loop()).create_serve_endpoint()
    return controller, transport


async def stop(controller: Controller, server: object) -> None:
    if isinstance(server, OscServer):
        await server.stop()
    else:
        server.close()  # type: ignore[attr-defined]
        await asyncio.sleep(0)  # the transport closes its socket on the next turn
    await controller.close()


async def drain(controller: Controller, proc: subprocess.Popen[str]) -> tuple[int, int]:
    """Waits for the sender and for the server to catch up; (sent, handled)."""
    while proc.poll() is None:
        await asyncio.sleep(0.05)
    sent = int(proc.stdout.read().strip())  # type: ignore[union-attr]
    last, still = -1, 0
    while still < 3:  # handled count unchanged for 3 x 50 ms: the queue is empty
        handled = controller.status()["counters"].get("osc.ok", 0)
        still = still + 1 if handled == last else 0
        last = handled
        await asyncio.sleep(0.05)
    return sent, last


# -- the measurements --------------------------------------------------------------------
async def throughput(kind: str, venue: Path) -> list[tuple[int, int, int]]:
    rows = []
    for rate in RATES:
        controller, server = await start(kind, venue)
        port = controller.config.venue.osc.listen[1]
        sent, handled = await drain(controller, helper("--send", port, rate, SECONDS))
        rows.append((rate, sent, handled))
        await stop(controller, server)
    return rows


async def latency(kind: str, venue: Path) -> list[float]:
    controller, server = await start(kind, venue)
    controller.load("cues", by="bench")
    config = controller.config
    proc = helper("--fire", config.venue.osc.listen[1], config.venue.device("screen1").port)
    while proc.poll() is None:
        await asyncio.sleep(0.05)
    await stop(controller, server)
    return json.loads(proc.stdout.read())  # type: ignore[union-attr]


async def show_timing(kind: str, venue: Path, flood: int) -> tuple[list[float], int, int]:
    """The 3-second tick show (a cue every 50 ms to nine screens): lateness at screen1,
    and the flood's commands sent and handled meanwhile."""
    controller, server = await start(kind, venue)
    config = controller.config
    screen = helper("--watch", config.venue.device("screen1").port, 1.0)
    assert screen.stdout is not None and screen.stdout.readline().strip() == "ready"
    sender = helper("--send", config.venue.osc.listen[1], flood, 3.5) if flood else None
    controller.start("ticks", by="bench")
    while controller.state != "idle":
        await asyncio.sleep(0.05)
    sent, handled = await drain(controller, sender) if sender else (0, 0)
    while screen.poll() is None:
        await asyncio.sleep(0.05)
    await stop(controller, server)
    return json.loads(screen.stdout.read()), sent, handled


def ms(values: list[float], q: float) -> str:
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1e3:7.3f}"


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        venue = write_config(Path(folder), shows=[
            {"id": "cues", "title": "fire targets", "preroll": 0, "cues": CUES},
            {"id": "ticks", "title": "ticks", "preroll": 0.3, "cues": TICKS}])
        print(f"commands/s without loss: /showctl/heartbeat for {SECONDS:g} s at each rate")
        for kind in ("python-osc", "showctl"):
            for rate, sent, handled in await throughput(kind, venue):
                lost = sent - handled
                print(f"  {kind:<10} {rate:>6}/s  sent {sent:>6}  handled {handled:>6}  "
                      f"lost {lost:>6} ({100 * lost / sent:5.1f} %)")
        print(f"command-to-screen latency: {FIRES} x /showctl/cue/{{id}}/fire -> screen "
              "(ms)")
        for kind in ("python-osc", "showctl"):
            lat = await latency(kind, venue)
            print(f"  {kind:<10} n={len(lat)}  p50 {ms(lat, 0.5)}  p99 {ms(lat, 0.99)}  "
                  f"max {ms(lat, 1.0)}  mean {statistics.mean(lat) * 1e3:7.3f}")
        print("show timing at screen1: arrival - timetag of 60 cues (ms), during a flood")
        for kind, flood in (("showctl", 0), ("python-osc", 30_000), ("showctl", 30_000)):
            late, sent, handled = await show_timing(kind, venue, flood)
            load = f"+ {flood}/s heartbeats" if flood else "alone"
            lost = f"  flood lost {sent - handled}/{sent}" if flood else ""
            print(f"  {kind:<10} {load:<22} n={len(late):>2}  p50 {ms(late, 0.5)}  "
                  f"p95 {ms(late, 0.95)}  max {ms(late, 1.0)}{lost}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--send":
        send(int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--fire":
        fire(int(sys.argv[2]), int(sys.argv[3]))
    elif len(sys.argv) > 1 and sys.argv[1] == "--watch":
        watch(int(sys.argv[2]), float(sys.argv[3]))
    else:
        asyncio.run(main())
