"""Thousands of random and mutated packets over UDP and TCP; then a show still plays."""

from __future__ import annotations

import random
import struct

import pytest

from showctl.codec import slip
from showctl.codec.osc import encode_bundle, encode_message
from showctl.core import events
from showctl.osc.router import ROUTES
from tests.osc.rig import Rig

pytestmark = pytest.mark.timeout(60)
SEED = 20261124
PER_TRANSPORT = 2500


def valid_packets() -> list[bytes]:
    """One message per route with arguments of every shape, and bundles of them."""
    shapes = [(), ("small",), (1.5,), (7,), ("3",), ("small", 2.0), (True,), (-1,)]
    messages = [encode_message(address.replace("{id}", cue), *args)
                for address in ROUTES for args in shapes for cue in ("2", "x")
                if "{id}" in address or cue == "2"]
    bundles = [encode_bundle(None, messages[i:i + 3]) for i in range(0, len(messages), 3)]
    return messages + bundles


def mutate(rnd: random.Random, packet: bytes) -> bytes:
    data = bytearray(packet)
    for _ in range(rnd.randint(1, 4)):
        kind = rnd.randrange(5)
        at = rnd.randrange(len(data)) if data else 0
        if kind == 0 and data:
            data[at] = rnd.randrange(256)
        elif kind == 1:
            del data[at:]
        elif kind == 2:
            data[at:at] = rnd.randbytes(rnd.randint(1, 12))
        elif kind == 3 and len(data) >= 4:
            data[at & ~3:(at & ~3) + 4] = struct.pack(">i", rnd.choice([-1, 0, 1 << 30, 12]))
        else:
            data = bytearray(rnd.choice([b"#bundle\0", b"/", b"/showctl/"])) + data
    return bytes(data)


def garbage(rnd: random.Random, valid: list[bytes]) -> list[bytes]:
    out = []
    for _ in range(PER_TRANSPORT):
        roll = rnd.random()
        if roll < 0.15:
            out.append(rnd.randbytes(rnd.randint(0, 300)))
        elif roll < 0.20:
            out.append(rnd.randbytes(9000))  # oversized
        else:
            out.append(mutate(rnd, rnd.choice(valid)))
    return out


async def test_fuzz_then_a_show_plays_correctly(rig: Rig) -> None:
    rnd = random.Random(SEED)
    valid = valid_packets()
    udp = await rig.udp()
    for packet in garbage(rnd, valid):
        udp.send_raw(packet)
    tcp = await rig.tcp()
    for packet in garbage(rnd, valid):
        tcp.send_raw(slip.encode(packet) if rnd.random() < 0.7 else packet)  # raw: bad frames
    tcp.send_raw(slip.encode(encode_message("/showctl/status")))
    while (await tcp.next(timeout=10))[0] != "/showctl/reply/showctl/status":
        pass  # every fuzzed frame before it has been handled
    # another host: the fuzz may have set 127.0.0.1's reply port (it is per host)
    fresh = await rig.udp("127.0.0.3")
    assert (await fresh.ask("/showctl/status"))["status"] == "ok"
    counters = rig.controller.status()["counters"]
    assert counters["osc.malformed"] > 500 and counters["osc.oversized"] > 100
    assert counters["osc.errors"] > 1000 and "osc.internal" not in counters

    # whatever the fuzz did to the transport, an operator's panic brings it home, then a
    # whole show plays with every cue on time
    await rig.clock.advance(0.2)
    await fresh.ask("/showctl/panic")
    await rig.clock.advance(0.2)
    for screen in rig.screens.values():
        screen.got.clear()
    runs: list[dict] = []
    rig.controller.bus.subscribe(lambda e: runs.append(e.data) if e.kind == events.RUN else None)
    cues: list[tuple[str, float]] = []
    rig.controller.bus.subscribe(
        lambda e: cues.append((e.data["cue"], rig.clock.monotonic())) if e.kind == "cue" else None)
    started = rig.clock.monotonic()
    assert (await fresh.ask("/showctl/start", "small"))["status"] == "ok"
    await rig.clock.advance(4.0)
    assert rig.controller.state == "idle"
    assert [r["event"] for r in runs] == ["start", "end"] and runs[1]["outcome"] == "completed"
    t0 = started + 0.5  # the show's preroll
    assert [(cue, round(at - t0, 3)) for cue, at in cues] == [
        ("1", 0.0), ("2", 1.0), ("3", 2.0), ("4", 3.0)]
    await fresh.ask("/showctl/status")  # the screens' datagrams are in by now
    assert rig.screens["screen5"].addresses() == [
        "/showctl/player/load", "/showctl/player/play", "/showctl/player/black"]
    assert rig.screens["screen9"].addresses() == [
        "/showctl/player/load", "/showctl/player/play", "/showctl/player/play",
        "/showctl/player/black"]
