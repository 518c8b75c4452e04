"""Who may command the room: osc.allow by source address, the passcode and its limit."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from showctl.connlimits import PER_SOURCE
from showctl.osc.clients import FAILURES_ALLOWED, LOCKOUT
from showctl.osc.transports import IDLE_TCP
from tests.osc.clients import TcpClient, UdpClient
from tests.osc.rig import rig_with

pytestmark = pytest.mark.timeout(30)
ONLY_ONE = {"osc": {"allow": ["127.0.0.1/32"]}}


async def test_udp_from_outside_allow_is_dropped_without_reply(tmp_path: Path) -> None:
    async with rig_with(tmp_path, **ONLY_ONE) as rig:
        stranger = await rig.udp("127.0.0.2")
        friend = await rig.udp("127.0.0.1")
        stranger.send("/showctl/schedule/hold")
        stranger.send("/showctl/status")
        # the friend's reply comes after the stranger's packets were handled (one socket, in order)
        assert (await friend.ask("/showctl/status"))["status"] == "ok"
        assert stranger.inbox.empty()
        assert not rig.controller.schedule_held
        assert rig.counter("osc.denied") == 2 and rig.counter("osc.received") == 1


async def test_tcp_from_outside_allow_is_closed(tmp_path: Path) -> None:
    async with rig_with(tmp_path, **ONLY_ONE) as rig:
        stranger = await TcpClient.open(rig.port, "127.0.0.2")
        rig.opened.append(stranger)
        stranger.send("/showctl/schedule/hold")
        with pytest.raises(ConnectionError):
            await stranger.next()
        friend = await rig.tcp("127.0.0.1")
        assert (await friend.ask("/showctl/status"))["status"] == "ok"
        assert not rig.controller.schedule_held and rig.counter("osc.denied") == 1


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_passcode_is_asked_first(tmp_path: Path, transport: str) -> None:
    async with rig_with(tmp_path, osc={"allow": ["127.0.0.0/8"], "passcode": "s3same"}) as rig:
        c = await (rig.udp() if transport == "udp" else rig.tcp())
        refused = await c.ask("/showctl/schedule/hold")
        assert refused["status"] == "error" and "/showctl/connect" in refused["data"]
        assert not rig.controller.schedule_held
        # devices' heartbeats need no passcode: a media player cannot be taught to connect
        assert (await c.ask("/showctl/heartbeat", "screen2"))["status"] == "ok"
        wrong = await c.ask("/showctl/connect", "guess")
        assert wrong == {"address": "/showctl/connect", "status": "error",
                         "data": "wrong passcode"}
        assert (await c.ask("/showctl/connect", "s3same"))["status"] == "ok"
        assert (await c.ask("/showctl/schedule/hold"))["data"] == {"held": True}
        # another host (UDP) or another connection (TCP) must connect too
        other = await (rig.udp("127.0.0.2") if transport == "udp" else rig.tcp())
        assert (await other.ask("/showctl/schedule/release"))["status"] == "error"
        assert rig.controller.schedule_held


async def test_a_udp_host_stays_connected_across_source_ports(tmp_path: Path) -> None:
    # oscsend and control-system boxes send each message from a fresh source port
    async with rig_with(tmp_path, osc={"allow": ["127.0.0.0/8"], "passcode": "s3same"}) as rig:
        first = await rig.udp()
        assert (await first.ask("/showctl/connect", "s3same"))["status"] == "ok"
        later = await rig.udp()
        assert later.port != first.port
        assert (await later.ask("/showctl/schedule/hold"))["data"] == {"held": True}


async def test_repeated_wrong_passcodes_lock_the_host_out(tmp_path: Path) -> None:
    async with rig_with(tmp_path, osc={"allow": ["127.0.0.0/8"], "passcode": "s3same"}) as rig:
        c = await rig.udp("127.0.0.1")
        for n in range(FAILURES_ALLOWED):
            assert (await c.ask("/showctl/connect", f"guess{n}"))["data"] == "wrong passcode"
        locked = await c.ask("/showctl/connect", "s3same")  # even the right one, for a while
        assert locked["status"] == "error" and "too many wrong passcodes" in locked["data"]
        # a new port from the same host is the same host
        again = await UdpClient.open(rig.port, "127.0.0.1")
        rig.opened.append(again)
        assert "too many" in (await again.ask("/showctl/connect", "s3same"))["data"]
        # another host is not punished for it
        elsewhere = await rig.udp("127.0.0.2")
        assert (await elsewhere.ask("/showctl/connect", "s3same"))["status"] == "ok"
        await rig.clock.advance(LOCKOUT + 1)
        assert (await c.ask("/showctl/connect", "s3same"))["status"] == "ok"
        assert (await c.ask("/showctl/status"))["status"] == "ok"


async def test_tcp_connections_are_capped_per_source_and_idle_ones_dropped(
        tmp_path: Path) -> None:
    async with rig_with(tmp_path) as rig:
        mine = [await rig.tcp("127.0.0.2") for _ in range(PER_SOURCE["osc"])]
        await asyncio.gather(*(c.ask("/showctl/status") for c in mine))
        extra = await rig.tcp("127.0.0.2")
        with pytest.raises(ConnectionError):
            await extra.ask("/showctl/status")
        assert rig.counter("osc.too_many_connections") == 1
        other = await rig.tcp("127.0.0.3")  # another integrator is not locked out
        assert (await other.ask("/showctl/status"))["status"] == "ok"
        await rig.clock.advance(IDLE_TCP * 1.25 + 1)  # nobody said anything since
        async with asyncio.timeout(10):
            while rig.server.connections:
                await asyncio.sleep(0)  # the server sees the closes on its next loop turns
        assert rig.counter("osc.idle_dropped") == PER_SOURCE["osc"] + 1
