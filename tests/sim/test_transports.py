"""Simulated devices listen on the transport their profile and `transport:` say: a
`transport: tcp` showctl device is served over TCP with SLIP (the controller connects to
it as to a player) and reports over UDP like a player; a length-prefixed device reads
OSC 1.0 framing, and a stream that turns to garbage is hung up on."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
import yaml

from showctl.codec.osc import encode_message
from showctl.files.loader import load_config
from showctl.outputs.links import TcpLink
from showctl.sim import Simulator
from tests.osc.clients import TcpClient, UdpClient
from tests.support import write_config

pytestmark = pytest.mark.timeout(120)
ROOT = Path(__file__).resolve().parents[2]
WAIT = 30.0  # generous: bounds a failing test only
TCP = ("screen1", "screen2", "lights")
SHOW = {"id": "tcp", "title": "Over TCP", "preroll": 0.3, "cues": [
    {"id": "1", "at": 0, "name": "Out", "lights": {"cue": "house-out", "fade": 0.5}},
    {"id": "2", "at": 0.2, "name": "Ring", "screens": "all",
     "play": {"media": "ring_{screen}.mp4"}},
    {"id": "3", "at": 600, "name": "End", "screens": "all", "black": {"fade": 1}}]}


def with_transports(venue_path: Path, transports: dict[str, str],
                    profiles: dict[str, str] | None = None) -> Path:
    venue = yaml.safe_load(venue_path.read_text())
    for device in venue["devices"]:
        if device["id"] in transports:
            device["transport"] = transports[device["id"]]
        if device["id"] in (profiles or {}):
            device["profile"] = (profiles or {})[device["id"]]
    venue_path.write_text(yaml.safe_dump(venue, sort_keys=False))
    return venue_path



async def test_showctl_run_simulate_serves_tcp_devices_over_tcp(tmp_path: Path) -> None:
    venue_path = with_transports(write_config(tmp_path, shows=[SHOW]),
                                 dict.fromkeys(TCP, "tcp"))
    venue = yaml.safe_load(venue_path.read_text())
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "showctl", "run", "--simulate", "--config", str(venue_path),
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    assert proc.stderr is not None
    lines: list[str] = []

    async def line_with(text: str) -> str:
        async with asyncio.timeout(WAIT):
            while not any(text in line for line in lines):
                raw = await proc.stderr.readline()
                assert raw, "showctl run ended:\n" + "".join(lines)
                lines.append(raw.decode())
        return next(line for line in lines if text in line)

    client = await UdpClient.open(int(venue["osc"]["listen"].rsplit(":", 1)[1]))
    try:
        await line_with("ready:")
        assert (await client.ok("/showctl/subscribe", 1, timeout=WAIT))["subscribed"]
        assert (await client.ok("/showctl/subscribe/time", 1, timeout=WAIT))["subscribed"]
        assert await client.ok("/showctl/start", "tcp", timeout=WAIT) == "prerolling"
        # the commands reach the TCP devices, at their timetag, like the UDP ones
        for device in ("screen1", "screen2", "screen3"):
            line = await line_with(f"{device} /showctl/player/play 'ring_")
            assert "[at timetag" in line
        await line_with("lights /showctl/lights/cue 'house-out'")
        # and the controller sees what they report (from a UDP socket of their own, as a
        # player): asked again on each push of the controller, five times a second
        async with asyncio.timeout(WAIT):
            while True:
                # the whole status over TCP: UDP gets a compact one (docs/osc.md)
                tcp = await TcpClient.open(client.target[1])
                try:
                    status = (await tcp.ask("/showctl/status"))["data"]
                finally:
                    tcp.close()
                devices = {d["id"]: d for d in status["devices"]}
                if all(devices[d]["online"] for d in devices) and all(
                        (devices[d]["confirmed"] or {}).get("state") == "playing"
                        for d in ("screen1", "screen2", "screen3")):
                    break
                await client.next(timeout=WAIT)
        assert devices["screen1"]["confirmed"]["media"] == "ring_1.mp4"
        assert status["counters"].get("osc.errors", 0) == 0
        proc.terminate()
        assert await asyncio.wait_for(proc.wait(), WAIT) == 0
        log = "".join(lines) + (await proc.stderr.read()).decode()
        assert "cannot connect" not in log and "Traceback" not in log, log
    finally:
        client.close()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_a_length_prefixed_device_reads_osc_1_0_and_hangs_up_on_garbage(
        tmp_path: Path) -> None:
    venue_path = with_transports(
        write_config(tmp_path, shows=[], venue_extra={"safe_look": {"lights": "1"}}),
        {"lights": "tcp-length-prefixed"}, {"lights": "eos"})
    venue = load_config(venue_path).venue
    said: asyncio.Queue[str] = asyncio.Queue()
    sim = Simulator(venue, None, report=lambda device, line: said.put_nowait(f"{device} {line}"))
    await sim.start()
    lights = venue.device("lights")
    connected = asyncio.Event()
    link = TcpLink(lights.host, lights.port, "length", lambda data: None,
                   greeting=lambda: connected.set() or [])  # the controller's own link
    link.start()
    try:
        await asyncio.wait_for(connected.wait(), WAIT)
        link.send(encode_message("/showctl/lights/cue", "storm", 2.0))
        assert await asyncio.wait_for(said.get(), WAIT) == \
            "lights /showctl/lights/cue 'storm' 2.0"
        assert sim.devices["lights"].lights == "storm"
        connected.clear()
        assert link._writer is not None
        link._writer.write((1 << 30).to_bytes(4, "big"))  # a size no packet has: garbage
        assert await asyncio.wait_for(said.get(), WAIT) == "lights ignored: oversized frame"
        await asyncio.wait_for(connected.wait(), WAIT)  # hung up on; the link reconnects
        assert link.connects == 2 and sim.errors == 1
        link.send(encode_message("/showctl/lights/cue", "calm", 0.0))
        assert await asyncio.wait_for(said.get(), WAIT) == "lights /showctl/lights/cue 'calm' 0.0"
    finally:
        link.close()
        await sim.stop()
