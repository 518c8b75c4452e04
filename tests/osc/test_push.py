"""Subscriptions (pushes and their 60 s expiry on the injected clock) and timed bundles."""

from __future__ import annotations

import pytest

from showctl.codec.osc import encode_bundle, encode_message
from showctl.osc.clients import SUBSCRIPTION_TTL
from tests.osc.rig import Rig

pytestmark = pytest.mark.timeout(30)


async def events_until(client, address: str) -> list[tuple[str, dict]]:
    got = []
    while True:
        item = await client.next()
        got.append(item)
        if item[0] == address:
            return got


@pytest.mark.parametrize("transport", ["udp", "tcp"])
async def test_subscribers_get_state_cue_and_device_events(rig: Rig, transport: str) -> None:
    sub = await (rig.udp() if transport == "udp" else rig.tcp())
    assert (await sub.ask("/showctl/subscribe", 1))["data"] == {"subscribed": True}
    other = await rig.udp()
    await other.ask("/showctl/start", "small")
    await other.ask("/showctl/heartbeat", "screen2")
    await rig.clock.advance(1.6)
    got = await events_until(sub, "/showctl/event/device")
    got += await events_until(sub, "/showctl/event/cue")
    kinds = {address for address, _ in got}
    assert {"/showctl/event/state", "/showctl/event/cue", "/showctl/event/device"} <= kinds
    states = [body["state"] for address, body in got if address == "/showctl/event/state"]
    assert states[:2] == ["loaded", "prerolling"]
    device = next(body for address, body in got if address == "/showctl/event/device")
    assert device["device"] == "screen2" and device["online"] is True
    assert other.inbox.empty()  # only subscribers get pushes

    assert (await sub.ask("/showctl/subscribe", 0))["data"] == {"subscribed": False}
    await other.ask("/showctl/panic")
    await other.ask("/showctl/status")  # handled after any push would have gone out
    with pytest.raises(TimeoutError):
        await sub.next(timeout=0.2)


async def test_subscription_expires_after_60_s_of_silence(rig: Rig) -> None:
    sub = await rig.udp()
    await sub.ask("/showctl/subscribe")  # no argument means 1
    other = await rig.udp("127.0.0.2")  # another host: its messages renew nothing of sub's
    await rig.clock.advance(SUBSCRIPTION_TTL - 1)
    await sub.ask("/showctl/status")  # any message renews it
    await rig.clock.advance(SUBSCRIPTION_TTL - 1)
    await other.ask("/showctl/load", "small")
    assert (await sub.next())[0] == "/showctl/event/state"
    await rig.clock.advance(2)  # now 61 s since sub last spoke
    await other.ask("/showctl/go")
    await other.ask("/showctl/status")
    with pytest.raises(TimeoutError):
        await sub.next(timeout=0.2)
    assert not rig.server.clients.subscribers


async def test_bundle_in_the_future_runs_at_its_timetag_without_blocking(rig: Rig) -> None:
    c = await rig.udp()
    due = rig.clock.time() + 30.0  # on the injected clock: the test moves it
    c.send_raw(encode_bundle(due, [encode_message("/showctl/schedule/hold"),
                                   encode_message("/showctl/heartbeat", "screen1")]))
    assert (await c.ask("/showctl/status"))["data"]["schedule"]["held"] is False  # not yet
    await rig.clock.advance(29.9)
    assert (await c.ask("/showctl/status"))["data"]["schedule"]["held"] is False  # not yet
    await rig.clock.advance(0.1)
    first = await c.next()
    assert first[0] == "/showctl/reply/showctl/schedule/hold"
    assert (await c.next())[0] == "/showctl/reply/showctl/heartbeat"
    assert rig.controller.schedule_held

    now_bundle = encode_bundle(None, [encode_message("/showctl/schedule/release")])
    c.send_raw(now_bundle)
    assert (await c.next())[1]["status"] == "ok"
    past = encode_bundle(rig.clock.time() - 10, [encode_message("/showctl/status")])
    c.send_raw(past)  # late: runs at once
    assert (await c.next())[0] == "/showctl/reply/showctl/status"
    far = encode_bundle(rig.clock.time() + 7200, [encode_message("/showctl/go")])
    c.send_raw(far)
    reply = await c.next()
    assert reply[1]["status"] == "error" and "too far ahead" in reply[1]["data"]


async def test_stop_cancels_timed_messages(rig: Rig) -> None:
    c = await rig.udp()
    c.send_raw(encode_bundle(rig.clock.time() + 0.2, [encode_message("/showctl/schedule/hold")]))
    await c.ask("/showctl/status")
    await rig.server.stop()
    await rig.clock.advance(0.4)  # past the timetag: proves the cancelled message never runs
    assert not rig.controller.schedule_held


async def test_a_silent_device_goes_offline_and_subscribers_hear_it(rig: Rig) -> None:
    sub = await rig.udp()
    await sub.ask("/showctl/subscribe", 1)
    sub.send("/showctl/heartbeat", "lights")
    address, body = await sub.next()  # the event goes out before the reply
    assert address == "/showctl/event/device" and body["online"] is True
    assert (await sub.next())[0] == "/showctl/reply/showctl/heartbeat"
    await rig.clock.advance(4.0)
    await sub.ask("/showctl/heartbeat", "lights")  # still alive: no event
    await rig.clock.advance(4.0)
    await sub.ask("/showctl/status")
    assert sub.inbox.empty()
    await rig.clock.advance(2.0)  # 6 s of silence, over the 5 s timeout
    address, body = await sub.next()
    assert address == "/showctl/event/device"
    assert body["device"] == "lights" and body["online"] is False


async def replies_until(listener, address: str) -> list[str]:
    """Addresses arriving at `listener` up to and including `address`."""
    return [got for got, _ in await events_until(listener, address)]


async def test_one_subscription_per_destination_whatever_the_source_port(rig: Rig) -> None:
    # oscsend and many control-system boxes send each message from a fresh source port;
    # their replies (and so events) go to the host's reply port
    listener = await rig.udp()

    async def from_a_fresh_port(address: str, *args) -> None:
        sender = await rig.udp()
        sender.send(address, *args)

    await from_a_fresh_port("/showctl/replyport", listener.port)
    for _ in range(3):
        await from_a_fresh_port("/showctl/subscribe", 1)
    assert [(await listener.next())[0] for _ in range(4)] == [
        "/showctl/reply/showctl/replyport", *["/showctl/reply/showctl/subscribe"] * 3]
    other = await rig.udp("127.0.0.2")
    await other.ask("/showctl/load", "small")
    await from_a_fresh_port("/showctl/status")  # its reply comes after any push
    assert await replies_until(listener, "/showctl/reply/showctl/status") == [
        "/showctl/event/state", "/showctl/reply/showctl/status"]  # once, not once a port
    assert len(rig.server.clients.subscribers) == 1

    await rig.clock.advance(SUBSCRIPTION_TTL - 1)
    await from_a_fresh_port("/showctl/status")  # any message from the host renews it
    await rig.clock.advance(SUBSCRIPTION_TTL - 1)
    await other.ask("/showctl/stop")  # loaded -> idle
    assert await replies_until(listener, "/showctl/event/state") == [
        "/showctl/reply/showctl/status", "/showctl/event/state"]

    await from_a_fresh_port("/showctl/subscribe", 0)  # any port of the host ends it
    assert (await listener.next())[1]["data"] == {"subscribed": False}
    assert not rig.server.clients.subscribers
    await other.ask("/showctl/load", "small")
    await from_a_fresh_port("/showctl/status")
    assert await replies_until(listener, "/showctl/reply/showctl/status") == [
        "/showctl/reply/showctl/status"]


async def test_subscriptions_to_two_destinations_of_one_host_are_two(rig: Rig) -> None:
    a, b = await rig.udp(), await rig.udp()  # two programs, each replied at its own port
    await a.ask("/showctl/subscribe", 1)
    await b.ask("/showctl/subscribe", 1)
    other = await rig.udp("127.0.0.2")
    await other.ask("/showctl/load", "small")
    assert (await a.next())[0] == "/showctl/event/state"
    assert (await b.next())[0] == "/showctl/event/state"
    await b.ask("/showctl/subscribe", 0)  # b's own, not a's
    assert list(rig.server.clients.subscribers) == [("events", "udp", "127.0.0.1", a.port)]
