"""Logins under attack, the Host header, malformed JSON: over real HTTP on 127.0.0.1, with
several 127.x source addresses standing for the sources."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator

import aiohttp
import pytest
import yaml

from showctl.core.clock import FakeClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.web import WebServer
from showctl.web.auth import LoginLimiter
from tests.web.conftest import PASSWORDS, TOKENS


@pytest.fixture
async def server(controller: Controller) -> AsyncIterator[WebServer]:
    web = WebServer(controller)
    await web.start()
    yield web
    await web.stop()


async def attempt(url: str, source: str, name: str, password: str) -> int:
    """One login from `source` (its own connection); the HTTP status."""
    connector = aiohttp.TCPConnector(local_addr=(source, 0))
    async with aiohttp.ClientSession(connector=connector) as session:
        res = await session.post(f"{url}/login", data={"name": name, "password": password},
                                 headers={"Origin": url}, allow_redirects=False)
        return res.status


async def test_concurrent_guesses_cannot_pass_the_limit(server: WebServer) -> None:
    guesses = await asyncio.gather(*(attempt(server.url, "127.0.0.2", "operator", f"g{n}")
                                     for n in range(30)))
    counted = Counter(guesses)
    assert counted[401] <= 5 and counted[429] >= 25, counted  # checked: at most the limit


async def test_a_spray_from_many_addresses_locks_them_out_but_not_the_operator(
        server: WebServer) -> None:
    url = server.url
    for host in range(3, 8):  # five sources, four wrong guesses each: 20 on one account
        for n in range(4):
            assert await attempt(url, f"127.0.0.{host}", "operator", f"x{n}") == 401
    # the account is under attack: a source that has failed is refused, even when right
    assert await attempt(url, "127.0.0.3", "operator", PASSWORDS["operator"]) == 429
    # the operator's tablet, which has not failed, logs in with the right password
    assert await attempt(url, "127.0.0.9", "operator", PASSWORDS["operator"]) == 303
    # and one more wrong guess from a fresh address is one guess, then that address waits
    assert await attempt(url, "127.0.0.10", "operator", "y") == 401
    assert await attempt(url, "127.0.0.10", "operator", "z") == 429


def test_backoff_doubles_and_a_success_clears_the_source() -> None:
    now = [0.0]
    limiter = LoginLimiter(limit=2, window=900, backoff=30, now=lambda: now[0])
    for _ in range(2):
        assert limiter.begin("10.0.0.1", "op") == 0
        limiter.finish("10.0.0.1", "op", ok=False)
    assert limiter.retry_after("10.0.0.1") == 30
    assert limiter.retry_after("10.0.0.2") == 0
    now[0] = 31.0
    assert limiter.begin("10.0.0.1", "op") == 0
    assert limiter.begin("10.0.0.1", "op") > 0  # one attempt at a time at the limit
    limiter.finish("10.0.0.1", "op", ok=False)
    assert limiter.retry_after("10.0.0.1") == 60  # doubled
    now[0] = 100.0
    assert limiter.begin("10.0.0.1", "op") == 0
    limiter.finish("10.0.0.1", "op", ok=True)
    assert limiter.retry_after("10.0.0.1") == 0


async def get(url: str, host: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session:
        res = await session.get(f"{url}/healthz", headers={"Host": host})
        return res.status, await res.text()


async def test_only_the_dashboard_names_are_served(server: WebServer) -> None:
    """DNS rebinding: a page of evil.example re-pointed at 127.0.0.1 sends its own Host."""
    port = server.url.rsplit(":", 1)[1]
    assert (await get(server.url, f"127.0.0.1:{port}"))[0] == 200
    assert (await get(server.url, f"localhost:{port}"))[0] == 200
    status, text = await get(server.url, f"evil.example:{port}")
    assert status == 400 and "web.hosts" in text
    assert (await get(server.url, ""))[0] == 400


async def test_names_in_web_hosts_are_served(venue_path, tmp_path) -> None:
    venue = yaml.safe_load(venue_path.read_text())
    venue["web"]["hosts"] = ["showctl.museum.lan"]
    venue_path.write_text(yaml.safe_dump(venue))
    controller = Controller(load_config(venue_path), FakeClock())
    web = WebServer(controller)
    await web.start()
    try:
        assert (await get(web.url, "showctl.museum.lan:8080"))[0] == 200
        assert (await get(web.url, "other.museum.lan"))[0] == 400
    finally:
        await web.stop()
        await controller.close()


@pytest.mark.parametrize("body", [b"[" * 50_000, b'{"show": ' + b"[" * 30_000,
                                  b'{"show": "small"', b"\xff\xfe", b"1e999999"])
async def test_malformed_json_is_a_4xx_with_a_message(server: WebServer, body: bytes) -> None:
    async with aiohttp.ClientSession() as session:
        res = await session.post(f"{server.url}/api/load", data=body, headers={
            "Authorization": f"Bearer {TOKENS['operator']}",
            "Content-Type": "application/json"})
        assert 400 <= res.status < 500
        assert (await res.json())["error"]


async def test_forty_sources_at_once_get_the_global_limit_not_200_guesses(
        server: WebServer) -> None:
    """40 addresses × 5 logins at once, the right password last: at most 30 passwords
    are checked in the minute (docs/dashboard.md), and the last one is refused too."""
    url = server.url
    sources = [f"127.0.{1 + n // 200}.{10 + n % 200}" for n in range(40)]
    guesses = await asyncio.gather(*(attempt(url, source, "operator", f"g{n}")
                                     for source in sources for n in range(5)))
    counted = Counter(guesses)
    assert counted[401] <= 30 and counted[429] >= 170, counted
    assert await attempt(url, "127.0.3.3", "operator", PASSWORDS["operator"]) == 429
