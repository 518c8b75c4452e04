"""Issue 4, bad input: argument counts and values, malformed packets with messages an
integrator can act on; each answered, counted and logged, and nothing runs."""

from __future__ import annotations

from typing import Any

import pytest

from showctl.codec import slip
from showctl.osc.router import ROUTES
from tests.osc.rig import Rig

pytestmark = pytest.mark.timeout(30)

VALID: dict[str, tuple[Any, ...]] = {  # one valid call of every address
    "/showctl/load": ("small",), "/showctl/start": ("small",), "/showctl/go": (),
    "/showctl/pause": (), "/showctl/resume": (), "/showctl/stop": (1.0,),
    "/showctl/panic": (), "/showctl/seek": (1.0,), "/showctl/cue/{id}/fire": (),
    "/showctl/schedule/hold": (), "/showctl/schedule/release": (), "/showctl/status": (),
    "/showctl/subscribe": (1,), "/showctl/subscribe/time": (0,), "/showctl/replyport": (0,),
    "/showctl/connect": ("x",),
    "/showctl/heartbeat": ("screen1",), "/showctl/volume": (-6.0, 2.0),
    "/showctl/power/on": ("admin-pass",), "/showctl/power/off": ("admin-pass",),
    "/showctl/check": (),
    "/showctl/media/status": ("screen1",), "/showctl/media/sync": ("screen1", 0),
    "/showctl/player/status": ("screen1", '{"device": "screen1", "state": "idle"}'),
}


def test_every_address_has_a_valid_call_here() -> None:
    assert set(VALID) == set(ROUTES)


def _settled(status: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in status.items() if k not in ("counters", "time", "remaining")}


@pytest.mark.parametrize("extra", ["extra", 2])
@pytest.mark.parametrize("address", sorted(VALID))
async def test_an_argument_too_many_is_refused_at_every_address(rig: Rig, address: str,
                                                                extra: Any) -> None:
    rig.controller.load("small", by="test")  # something for stop, seek, fire to act on
    before = _settled(rig.controller.status())
    c = await rig.udp()
    sent = address.replace("{id}", "2")
    args = (*VALID[address], extra)
    reply = await c.ask(sent, *args)
    assert reply["status"] == "error", reply
    assert reply["data"].startswith(f"{sent} takes ")
    assert reply["data"].endswith(f"got {len(args)} argument{'s' if len(args) > 1 else ''}")
    assert _settled(rig.controller.status()) == before  # nothing ran
    assert not rig.server.clients.subscribers and not rig.controller.schedule_held
    assert rig.counter("osc.bad_args") == 1 and rig.counter("osc.ok") == 0


async def test_subscribe_takes_1_or_0_only(rig: Rig) -> None:
    c = await rig.udp()
    for bad in (2, -1, 0.5, "1", [1]):
        reply = await c.ask("/showctl/subscribe", bad)
        assert reply["status"] == "error", (bad, reply)
        assert "argument 1 (on) must be 1 or 0 (i, f or T/F)" in reply["data"]
    assert not rig.server.clients.subscribers
    assert rig.counter("osc.bad_args") == 5
    for on, off in ((1, 0), (1.0, 0.0), (True, False)):  # i, f (TouchOSC buttons), T/F
        assert (await c.ask("/showctl/subscribe", on))["data"] == {"subscribed": True}
        assert rig.server.clients.subscribers
        assert (await c.ask("/showctl/subscribe", off))["data"] == {"subscribed": False}
        assert not rig.server.clients.subscribers


async def test_a_reply_port_is_a_number_not_a_switch(rig: Rig) -> None:
    c = await rig.udp()
    reply = await c.ask("/showctl/replyport", True)
    assert reply["status"] == "error" and "got T" in reply["data"]


def message(address: str, tags: str, payload: bytes = b"") -> bytes:
    """A message by hand, as a peer's broken encoder might send it."""
    def padded(text: bytes) -> bytes:
        return text + b"\0" * (4 - len(text) % 4)
    return padded(address.encode()) + padded(tags.encode()) + payload


MALFORMED = [  # (packet, the reply's address, what the error says)
    (message("/showctl/schedule/hold", ",X"), "/showctl/schedule/hold",
     "type tag 'X' is not an OSC 1.0/1.1 type"),
    (message("/showctl/load", ",b", b"\xff\xff\xff\xff"), "/showctl/load",
     "blob of 4294967295 bytes runs past the end of the packet"),
    (message("/showctl/load", ",ss", b"small\0\0\0\xff\xfe\0\0"), "/showctl/load",
     "string argument 2 is not valid UTF-8"),
    (message("/showctl/go", ",i", b"\0\0"), "/showctl/go",
     "int argument 1 runs past the end of the packet"),
    (b"\x00garbage", None, "neither an OSC message"),
]


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_malformed_packets_are_refused_answered_counted_and_logged(
        rig: Rig, transport: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING", logger="showctl.osc")
    c = await (rig.udp() if transport == "udp" else rig.tcp())
    for packet, address, expected in MALFORMED:
        c.send_raw(packet if transport == "udp" else slip.encode(packet))
        got, body = await c.next()
        assert got == f"/showctl/reply{address or ''}"
        assert (body["address"], body["status"]) == (address, "error")
        assert body["data"].startswith(f"malformed packet: {expected}")
    assert rig.counter("osc.malformed") == len(MALFORMED)
    assert rig.counter("osc.errors") == len(MALFORMED) and rig.counter("osc.received") == 0
    assert "OSC malformed: " in caplog.text and "type tag 'X'" in caplog.text
    # nothing ran, and the input is still there
    assert not rig.controller.schedule_held and rig.controller.state == "idle"
    assert (await c.ask("/showctl/status"))["status"] == "ok"
