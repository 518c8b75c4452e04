"""Every address of SPEC 3.1 over real sockets, by UDP and by TCP/SLIP alike."""

from __future__ import annotations

import pytest

from tests.osc.clients import UdpClient
from tests.osc.rig import Rig

pytestmark = pytest.mark.timeout(30)


async def connect(rig: Rig, transport: str):
    return await (rig.udp() if transport == "udp" else rig.tcp())


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_the_whole_transport_by_osc(rig: Rig, transport: str) -> None:
    c = await connect(rig, transport)
    ok = {"status": "ok"}

    status = await c.ask("/showctl/status")
    assert status["address"] == "/showctl/status" and status["status"] == "ok"
    assert status["data"]["state"] == "idle"
    if transport == "udp":  # compact, one safe datagram; the whole one over TCP (issue 22)
        assert status["data"]["compact"] is True and status["data"]["devices"]["total"] == 10
    else:
        assert len(status["data"]["devices"]) == 10

    assert await c.ask("/showctl/load", "small") == {**ok, "address": "/showctl/load",
                                                    "data": "loaded"}
    assert (await rig.screens["screen1"].wait_for("/showctl/player/load"))[0] == "pano_1.mp4"
    assert (await c.ask("/showctl/go"))["data"].startswith("prerolling; warning: 10 devices")
    await rig.clock.advance(0.6)
    assert rig.controller.state == "running"
    assert (await c.ask("/showctl/pause"))["data"] == "paused"
    assert (await c.ask("/showctl/resume"))["data"] == "running"
    assert (await c.ask("/showctl/seek", 1.5))["data"] == {  # where it went
        "state": "running", "time": 1.5, "cue": {"id": "2", "name": "Panorama", "at": 1.0}}
    assert rig.controller.status()["time"] == pytest.approx(1.5, abs=0.01)
    await rig.clock.advance(0.2)
    assert (await c.ask("/showctl/seek", "cue:3"))["status"] == "ok"  # a cue id
    assert rig.controller.status()["current_cue"]["id"] == "3"
    assert (await c.ask("/showctl/seek", 1))["status"] == "ok"  # an int is seconds too
    assert (await c.ask("/showctl/cue/4/fire"))["data"] == "4"
    assert (await rig.screens["screen5"].wait_for("/showctl/player/black")) == (0.5,)
    assert (await c.ask("/showctl/stop", 0.5))["data"] == "stopping"
    await rig.clock.advance(0.6)
    assert rig.controller.state == "idle"

    assert (await c.ask("/showctl/start", "small"))["data"].startswith("prerolling")
    assert (await c.ask("/showctl/panic"))["data"] == "idle"
    await rig.clock.advance(0.2)
    assert (await c.ask("/showctl/load", "small"))["data"] == "loaded"
    assert (await c.ask("/showctl/stop"))["status"] == "ok"  # venue's safe fade


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_schedule_heartbeat_connect(rig: Rig, transport: str) -> None:
    c = await connect(rig, transport)
    assert (await c.ask("/showctl/schedule/hold"))["data"] == {"held": True}
    assert rig.controller.schedule_held
    assert (await c.ask("/showctl/schedule/release"))["data"] == {"held": False}
    assert not rig.controller.schedule_held
    assert (await c.ask("/showctl/heartbeat", "screen3"))["data"] == "screen3"
    screen3 = next(d for d in rig.controller.status()["devices"] if d["id"] == "screen3")
    assert screen3["online"] is True
    nope = await c.ask("/showctl/heartbeat", "screen99")
    assert nope["status"] == "error" and "screen99" in nope["data"]
    assert (await c.ask("/showctl/connect", "anything"))["data"] == "connected"  # no passcode


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_refused_and_wrong_commands_are_answered(rig: Rig, transport: str,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING", logger="showctl.osc")
    c = await connect(rig, transport)
    cases = [
        (("/showctl/go",), "cannot go while idle"),
        (("/showctl/load", "nope"), "no show 'nope'"),
        (("/showctl/load", 5), "argument 1 (show) must be s"),
        (("/showctl/load",), "takes s show, got 0 arguments"),
        (("/showctl/pause", "x"), "takes no arguments"),
        (("/showctl/stop", "slow"), "(fade) must be f"),
        (("/showctl/seek", 3.0), "load a show first"),
        (("/showctl/replyport", 70000), "between 1 and 65535"),
        (("/showctl/cue/9/fire",), "load a show first"),
        (("/showctl/nothing",), "unknown address /showctl/nothing"),
        (("/other/thing", 1),  "unknown address"),
    ]
    for (address, *args), expected in cases:
        reply = await c.ask(address, *args)
        assert reply["address"] == address and reply["status"] == "error", reply
        assert expected in reply["data"], reply
    await c.ask("/showctl/load", "small")
    reply = await c.ask("/showctl/cue/nope/fire")
    assert reply["status"] == "error" and "no cue 'nope'" in reply["data"]
    counters = rig.controller.status()["counters"]
    assert counters["osc.unknown"] == 2 and counters["osc.bad_args"] == 4
    assert counters["osc.refused"] == 6  # the core said no
    assert "/showctl/go: cannot go while idle" in caplog.text  # and the log says so


async def test_replyport_sends_replies_elsewhere(rig: Rig) -> None:
    sender = await rig.udp()
    listener = await rig.udp()
    sender.send("/showctl/replyport", listener.port)  # its own reply goes there already
    assert await listener.next() == ("/showctl/reply/showctl/replyport", {
        "address": "/showctl/replyport", "status": "ok", "data": {"replyport": listener.port}})
    sender.send("/showctl/status")
    address, body = await listener.next()
    assert address == "/showctl/reply/showctl/status" and body["data"]["state"] == "idle"
    assert sender.inbox.empty()
    # 0: back to the source port, from this very reply on
    assert (await sender.ask("/showctl/replyport", 0))["data"] == {"replyport": sender.port}
    assert (await sender.ask("/showctl/status"))["status"] == "ok"


async def test_double_trigger_runs_once(rig: Rig) -> None:
    a = await rig.udp()
    await a.ask("/showctl/load", "small")
    await rig.clock.advance(0.01)
    assert (await a.ask("/showctl/go"))["status"] == "ok"
    b = await UdpClient.open(rig.port)  # same host, another port: still the same source
    rig.opened.append(b)
    again = await b.ask("/showctl/go")
    assert again["status"] == "error" and "double trigger" in again["data"]
    assert rig.counter("osc.duplicate") == 1
    await rig.clock.advance(0.6)
    assert rig.controller.state == "running"
    await rig.clock.advance(0.2)  # past the window, a repeat is a new command
    assert (await a.ask("/showctl/pause"))["status"] == "ok"
    assert (await a.ask("/showctl/resume"))["status"] == "ok"
    await rig.clock.advance(0.2)
    assert (await a.ask("/showctl/pause"))["status"] == "ok"
    # status and heartbeats are not state changes: repeats always run
    for _ in range(3):
        assert (await a.ask("/showctl/heartbeat", "screen1"))["status"] == "ok"
