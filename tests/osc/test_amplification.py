"""UDP replies never amplify (issue 21): a flood from one source address (which anyone on
the network can forge) draws, in all, no more bytes than it sent plus a small allowance,
and a bounded number of replies; another source is still answered."""

from __future__ import annotations

import random
import socket
from pathlib import Path

from showctl.codec.osc import encode_bundle, encode_message
from showctl.osc.clients import BYTES_BURST, REPLY_BURST
from tests.osc.clients import UdpClient
from tests.osc.rig import rig_with


def flood(rng: random.Random, n: int) -> bytes:
    kind = n % 4
    if kind == 0:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
    if kind == 1:  # a bundle of many bad messages: one error each
        return encode_bundle(None, [encode_message("/showctl/nope", n)] * 20)
    if kind == 2:
        return encode_message("/showctl/status")  # a large reply for a small packet
    return encode_message("/showctl/seek", "no such cue " + "x" * rng.randrange(50))


async def test_a_flood_from_one_source_draws_no_more_than_it_sent(tmp_path: Path) -> None:
    async with rig_with(tmp_path) as rig:  # a FakeClock: no allowance refills meanwhile
        victim = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        victim.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 23)
        victim.bind(("127.0.0.5", 0))
        victim.setblocking(False)
        try:
            rng, sent = random.Random(21), 0
            for n in range(3000):
                data = flood(rng, n)
                victim.sendto(data, ("127.0.0.1", rig.port))
                sent += len(data)
            other = await UdpClient.open(rig.port, "127.0.0.2")
            rig.opened.append(other)
            assert (await other.ask("/showctl/status"))["status"] == "ok"  # still answered
            got = []
            while True:  # every reply to the victim is in its buffer by now
                try:
                    got.append(victim.recv(1 << 16))
                except BlockingIOError:
                    break
        finally:
            victim.close()
    received = sum(map(len, got))
    assert received <= sent + BYTES_BURST, (received, sent)
    assert len(got) <= REPLY_BURST, len(got)
    assert rig.counter("osc.reply_limited") > 0


async def test_a_small_error_still_reaches_an_ordinary_client(tmp_path: Path) -> None:
    async with rig_with(tmp_path) as rig:
        c = await rig.udp()
        reply = await c.ask("/showctl/seek", "no-such-cue")
        assert reply["status"] == "error" and "cannot seek while idle" in reply["data"]
