"""Do the control surfaces disturb the show? A dashboard, a Companion module and an MQTT
client, all connected and polling, while a show plays (issue 26).

The same 100-cue show (nine screens, a cue every 0.3 s) plays in real time, A B A B:
  A. the dashboard server up, no client, no broker;
  B. surfaces: the MQTT face on a real Mosquitto with a subscriber of all its topics that
     also asks `PREFIX/cmd/status` 4 times a second; a dashboard WebSocket client that
     also GETs /api/status 4 times a second; the Companion module's client
     (companion/src/client.js, in Node) on /ws, polling /api/status 4 times a second.
A and B alternate and are pooled. Nine receivers in a separate process stamp each bundle
with the kernel's receive time (SO_TIMESTAMPNS): the error is that minus the timetag.

Run: flock /tmp/cpu.lock .venv/bin/python bench/surfaces.py   (about 2.5 min)
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing as mp
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.dashboard import line, pct, receive_bundles
from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.mqtt import MqttFace
from showctl.web import WebServer
from showctl.web.auth import token_hash
from tests.mqtt.broker import Mosquitto
from tests.support import free_port, write_config

CUES, SPACING, POLL = 100, 0.3, 0.25
ROUNDS = int(os.environ.get("ROUNDS", "2"))  # A B pairs
"""The showctl profile sends each bundle 20 ms ahead of its timetag (its lead): an error
of -20 ms is a bundle sent on the dot; one after its timetag (error > 0) is late for the
player."""
TOKEN = "bench-viewer-token"
PREFIX = "bench/room"
ROOT = Path(__file__).resolve().parents[1]


def make_venue(root: Path, broker: int) -> Path:
    cues = [{"id": str(n), "at": round(1 + n * SPACING, 3), "name": f"cue {n}",
             "screens": "all", "play": {"media": f"c{n}_{{screen}}.mp4"}} for n in range(CUES)]
    show = {"id": "bench", "title": "Surfaces bench", "preroll": 1.0, "cues": cues}
    web = {"listen": f"127.0.0.1:{free_port(socket.SOCK_STREAM)}",
           "tokens": [{"name": "bench", "role": "viewer", "token_hash": token_hash(TOKEN)}]}
    return write_config(root, shows=[show], venue_extra={
        "web": web, "mqtt": {"broker": f"127.0.0.1:{broker}", "prefix": PREFIX,
                             "discovery": True}})


def run_mqtt_client(port: int, conn) -> None:
    """Child: subscribed to everything the face publishes, asking status 4 times a second."""
    import aiomqtt

    async def main() -> None:
        got = replies = 0
        async with aiomqtt.Client("127.0.0.1", port, identifier="bench-surface") as client:
            await client.subscribe(f"{PREFIX}/#")

            async def poll() -> None:
                while True:
                    await client.publish(f"{PREFIX}/cmd/status", "", qos=1)
                    await asyncio.sleep(POLL)

            async def read() -> None:
                nonlocal got, replies
                async for message in client.messages:
                    got += 1
                    replies += str(message.topic).endswith("/reply/status")

            tasks = [asyncio.ensure_future(poll()), asyncio.ensure_future(read())]
            conn.send("ready")
            await asyncio.to_thread(conn.recv)
            for task in tasks:
                task.cancel()
        conn.send({"messages": got, "status_replies": replies})

    asyncio.run(main())


def run_dashboard(url: str, conn) -> None:
    """Child: one dashboard on /ws, and GET /api/status 4 times a second."""
    async def main() -> None:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        frames = answers = 0
        async with aiohttp.ClientSession(headers=headers) as session, \
                session.ws_connect(f"{url}/ws", max_msg_size=0) as ws:
            async def poll() -> None:
                nonlocal answers
                while True:
                    async with session.get(f"{url}/api/status") as resp:
                        await resp.read()
                        answers += 1
                    await asyncio.sleep(POLL)

            async def read() -> None:
                nonlocal frames
                async for _ in ws:
                    frames += 1

            tasks = [asyncio.ensure_future(poll()), asyncio.ensure_future(read())]
            conn.send("ready")
            await asyncio.to_thread(conn.recv)
            for task in tasks:
                task.cancel()
        conn.send({"frames": frames, "answers": answers})

    asyncio.run(main())


async def play(venue_path: Path, surfaces: bool, timing) -> tuple[list, dict]:
    controller = Controller(load_config(venue_path), SystemClock())
    server = WebServer(controller)
    await server.start()
    face = MqttFace(controller) if surfaces else None
    ctx = mp.get_context("spawn")
    children, node = [], None
    if face is not None:
        await face.start()
        await asyncio.wait_for(face.connected.wait(), 10)
        port = controller.venue.mqtt.broker[1]
        for target, arg in ((run_mqtt_client, port), (run_dashboard, server.url)):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=target, args=(arg, child), daemon=True)
            proc.start()
            children.append((proc, parent))
        host, web_port = controller.venue.web.listen
        node = subprocess.Popen(["node", str(ROOT / "bench" / "surfaces_companion.js"), host,
                                 str(web_port), TOKEN], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        assert node.stdout is not None
        assert await asyncio.to_thread(node.stdout.readline) == "ready\n"
        for _, parent in children:
            assert await asyncio.to_thread(parent.poll, 60) and parent.recv() == "ready"
    ended = asyncio.get_running_loop().create_future()
    controller.bus.subscribe(lambda e: e.kind == "run" and e.data.get("event") == "end"
                             and not ended.done() and ended.set_result(None))
    loads = os.getloadavg()
    controller.start("bench", by="bench")
    await asyncio.wait_for(ended, CUES * SPACING + 15)
    seen: dict = {"load": loads}
    for _, parent in children:
        parent.send("stop")
    for proc, parent in children:
        assert await asyncio.to_thread(parent.poll, 30)
        seen.update(parent.recv())
        proc.join(10)
    if node is not None:
        out, _ = await asyncio.to_thread(node.communicate, "", 30)
        seen["companion"] = json.loads(out.strip().splitlines()[-1])
    if face is not None:
        await face.stop()
    await server.stop()
    await controller.close()
    timing.send("report")
    return timing.recv(), seen


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        broker = Mosquitto(Path(tmp))
        await broker.start()
        venue_path = make_venue(Path(tmp), broker.port)
        ports = [d.port for d in load_config(venue_path).venue.devices]
        parent, child = mp.get_context("spawn").Pipe()
        receiver = mp.get_context("spawn").Process(target=receive_bundles,
                                                   args=(ports, child), daemon=True)
        receiver.start()
        assert parent.poll(30) and parent.recv() == "ready"
        runs: dict[str, list[float]] = {"A no surfaces": [], "B dashboard+Companion+MQTT": []}
        try:
            for name in [*runs] * ROUNDS:
                print(f"playing {CUES} cues x 9 screens: {name} ...", flush=True)
                began = time.time()
                timing, seen = await play(venue_path, name.startswith("B"), parent)
                runs[name].extend(timing)
                late = sum(1 for e in timing if e > 0)
                print(f"  this run: p50 {pct(timing, .5) * 1e3:.3f}"
                      f" p99 {pct(timing, .99) * 1e3:.3f}"
                      f" ms, {late} of {len(timing)} bundles after their timetag")
                print(f"  {time.time() - began:.0f} s, loadavg at start "
                      f"{' '.join(f'{x:.2f}' for x in seen.pop('load'))}, surfaces saw: "
                      f"{seen or '-'}", flush=True)
        finally:
            receiver.terminate()
            await broker.stop()
    print("\nshow timing error (bundle arrival - timetag, kernel stamps):")
    for name, timing in runs.items():
        late = sum(1 for e in timing if e > 0)
        print("  " + line(name, timing) + f"  after timetag: {late}")
    a, b = runs.values()
    for q, label in ((.5, "median"), (.99, "p99")):
        print(f"  {label} change B vs A: {(pct(b, q) - pct(a, q)) * 1e3:+.3f} ms")


if __name__ == "__main__":
    asyncio.run(main())
