"""/ws: authenticated, the state once, then every change; a slow client lags alone."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from showctl.web import make_app
from showctl.web.pages import HUB
from tests.web.conftest import bearer, login, origin

TIMEOUT = 5.0


async def receive(ws, kind: str, predicate=lambda m: True) -> dict:
    """The next message of `type`/`kind` that satisfies `predicate`."""
    async with asyncio.timeout(TIMEOUT):
        while True:
            msg = json.loads((await ws.receive()).data)
            if (msg["type"] == kind or msg.get("kind") == kind) and predicate(msg):
                return msg


async def test_refused_without_login(client):
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/ws")
    assert refused.value.status == 401


async def test_refused_from_another_site(client):
    await login(client, "viewer")
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await client.ws_connect("/ws", headers={"Origin": "http://evil.example"})
    assert refused.value.status == 403


async def test_state_once_then_every_change(client, controller):
    await login(client, "viewer")
    ws = await client.ws_connect("/ws", headers={"Origin": origin(client)})
    first = await receive(ws, "status")
    assert first["data"]["state"] == "idle" and len(first["data"]["devices"]) == 10
    controller.load("small", by="test")
    state = await receive(ws, "state")
    assert state["data"]["state"] == "loaded" and state["wall"] > 0
    assert (await receive(ws, "status", lambda m: m["data"]["state"] == "loaded"))
    controller.go(by="test")
    await controller.clock.advance(0.5 + 1.1)
    cue = await receive(ws, "cue", lambda m: m["data"]["cue"] == "2")
    assert cue["data"]["show"] == "small"
    status = await receive(ws, "status", lambda m: m["data"]["current_cue"]["id"] == "2")
    assert status["data"]["devices"][0]["output"]["media"] == "pano_1.mp4"
    controller.heartbeat("screen3")
    device = await receive(ws, "device")
    assert device["data"] == {"device": "screen3", "online": True,
                              "last_seen": controller.clock.time()}
    await ws.close()


async def test_one_status_per_batch_of_events(client, controller):
    ws = await client.ws_connect("/ws", headers=bearer("viewer"))
    await receive(ws, "status")
    for n in range(50):  # in one go, as a cue's burst of events
        controller.bus.publish("log", level="info", message=str(n))
    kinds = []
    async with asyncio.timeout(TIMEOUT):
        while not kinds or kinds[-1] != "status":
            msg = json.loads((await ws.receive()).data)
            kinds.append(msg.get("kind", msg["type"]))
    assert kinds == ["log"] * 50 + ["status"]
    await ws.close()


async def test_a_new_page_gets_the_last_events_first(client, controller):
    ws = await client.ws_connect("/ws", headers=bearer("viewer"))
    await receive(ws, "status")
    for n in range(50):
        controller.bus.publish("log", level="info", message=f"line {n}")
    await receive(ws, "status")  # the hub has handled them
    late = await client.ws_connect("/ws", headers=bearer("viewer"))
    kinds = []
    async with asyncio.timeout(TIMEOUT):
        while not kinds or kinds[-1] != "status":
            msg = json.loads((await late.receive()).data)
            kinds.append(msg["data"].get("message", msg["type"]))
    assert kinds == [f"line {n}" for n in range(10, 50)] + ["status"]
    await ws.close()
    await late.close()


async def test_bearer_token_clients_need_no_origin(client):
    ws = await client.ws_connect("/ws", headers=bearer("viewer"))
    assert (await receive(ws, "status"))["data"]["state"] == "idle"
    await ws.close()


async def test_a_slow_client_lags_alone_and_catches_up_on_status(aiohttp_client, controller):
    app = make_app(controller)
    client = await aiohttp_client(app)
    fast = await client.ws_connect("/ws", headers=bearer("viewer"))
    await receive(fast, "status")
    slow = await client.ws_connect("/ws", headers=bearer("viewer"))  # connects, never reads
    padding = "x" * 2000
    for batch in range(80):  # 16 MB: more than the slow socket's buffers hold
        for n in range(100):
            controller.bus.publish("log", level="info", message=f"{batch}.{n} {padding}")
        # the fast client keeps up with every batch while the slow one falls behind
        await receive(fast, "log", lambda m, b=batch: m["data"]["message"].startswith(f"{b}.99 "))
    controller.bus.publish("log", level="info", message="last")
    assert await receive(fast, "log", lambda m: m["data"]["message"] == "last")
    assert sorted(c.dropped > 0 for c in app[HUB].connected) == [False, True]
    # once it reads, the slow client ends on the latest events, not a stale backlog
    assert await receive(slow, "log", lambda m: m["data"]["message"] == "last")
    await fast.close()
    await slow.close()
