"""Device liveness through the OSC input: a heartbeat counts only from the device's own
address, a flood from one host does not make the others flap offline, and a wall-clock
step neither flaps every device offline nor keeps a dead one online."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

from showctl.codec.osc import encode_message
from showctl.core import events
from showctl.core.clock import SystemClock
from tests.osc.rig import Rig, rig_with
from tests.support import free_port


def online(rig: Rig, device: str) -> bool:
    return next(d for d in rig.controller.status()["devices"] if d["id"] == device)["online"]


async def test_a_heartbeat_counts_only_from_the_device_own_address(rig: Rig) -> None:
    stranger = await rig.udp("127.0.0.2")  # screen1 is at 127.0.0.1 in the venue
    reply = await stranger.ask("/showctl/heartbeat", "screen1")
    assert reply["status"] == "error"
    assert "refused from 127.0.0.2" in reply["data"] and "127.0.0.1" in reply["data"]
    assert not online(rig, "screen1")
    assert rig.counter("devices.heartbeat_refused") == 1
    own = await rig.udp("127.0.0.1")
    assert (await own.ask("/showctl/heartbeat", "screen1"))["status"] == "ok"
    assert online(rig, "screen1")


async def test_a_player_status_counts_only_from_the_device_own_address(rig: Rig) -> None:
    body = json.dumps({"device": "screen2", "state": "idle", "sent_at": rig.clock.time()})
    stranger = await rig.udp("127.0.0.2")
    reply = await stranger.ask("/showctl/player/status", "screen2", body)
    assert reply["status"] == "error" and "refused from 127.0.0.2" in reply["data"]
    assert not online(rig, "screen2")
    own = await rig.udp("127.0.0.1")
    assert (await own.ask("/showctl/player/status", "screen2", body))["status"] == "ok"
    assert online(rig, "screen2")


async def test_liveness_runs_on_the_monotonic_clock(rig: Rig) -> None:
    """+1 h on the wall clock flapped every device offline; -1 h kept a dead one online."""
    c = await rig.udp()
    for device in ("screen1", "screen2"):
        assert (await c.ask("/showctl/heartbeat", device))["status"] == "ok"
    rig.clock.step_wall(3600.0)  # NTP steps the clock forward: nobody went silent
    await rig.clock.advance(1.0)
    assert online(rig, "screen1") and online(rig, "screen2")
    assert (await c.ask("/showctl/heartbeat", "screen1"))["status"] == "ok"
    rig.clock.step_wall(-7200.0)  # and back: screen2 is dead, it must still go offline
    timeout = rig.controller.venue.osc.heartbeat_timeout
    await rig.clock.advance(timeout + 1.5)
    assert not online(rig, "screen2")


FLOOD = """
import socket, sys, time
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.2", 0))
port, seconds, packet = int(sys.argv[1]), float(sys.argv[2]), bytes.fromhex(sys.argv[3])
end = time.monotonic() + seconds
while time.monotonic() < end:
    for _ in range(200):
        try:
            sock.sendto(packet, ("127.0.0.1", port))
        except OSError:
            pass
"""

BEAT = """
import socket, sys, time
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
port, seconds, packet = int(sys.argv[1]), float(sys.argv[2]), bytes.fromhex(sys.argv[3])
end = time.monotonic() + seconds
while time.monotonic() < end:
    sock.sendto(packet, ("127.0.0.1", port))
    time.sleep(0.1)
"""


async def test_a_flood_from_one_host_does_not_flap_other_devices(tmp_path: Path) -> None:
    """Real time and real processes: the kernel's queue is what a flood fills."""
    seconds = 4.0
    async with rig_with(tmp_path, SystemClock(),
                        osc={"listen": f"127.0.0.1:{free_port()}", "allow": ["127.0.0.0/8"],
                             "heartbeat_timeout": 0.6}) as rig:
        offline: list[str] = []  # heartbeats every 0.1 s: none may go offline
        rig.controller.bus.subscribe(
            lambda e: offline.append(e.data["device"])
            if e.kind == events.DEVICE and not e.data["online"] else None)
        came = asyncio.Event()
        rig.controller.bus.subscribe(lambda e: came.set() if e.kind == events.DEVICE else None)
        beat = encode_message("/showctl/heartbeat", "screen1").hex()
        junk = encode_message("/showctl/status").hex()  # a costly command
        procs = [subprocess.Popen([sys.executable, "-c", BEAT, str(rig.port),
                                   str(seconds + 1), beat])]
        try:
            await asyncio.wait_for(came.wait(), 15)
            before = rig.counter("devices.heartbeats")
            procs += [subprocess.Popen([sys.executable, "-c", FLOOD, str(rig.port),
                                        str(seconds), junk])]
            await asyncio.wait_for(asyncio.gather(*(asyncio.to_thread(p.wait) for p in procs)),
                                   seconds + 10)
        finally:
            for p in procs:
                p.kill()
                p.wait()
        received = rig.counter("osc.received")
        assert received + rig.counter("osc.flood") > 2000, "the flood did not reach the input"
        # ~10 a second were sent during the flood: at least half of them counted
        assert rig.counter("devices.heartbeats") - before >= 5 * seconds
        assert offline == [], f"{offline} went offline during a flood from another host"
