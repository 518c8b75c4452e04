"""WebServer as `showctl run` starts it: on venue.web.listen, over real TCP."""

from __future__ import annotations

import logging
import re
import socket

import aiohttp
import pytest

from showctl.cli import UserError
from showctl.web import WebServer
from tests.web.conftest import bearer


async def test_serves_on_the_venue_address_and_prints_a_one_time_link(controller, capsys):
    server = WebServer(controller, demo=True)
    await server.start()
    try:
        host, port = controller.config.venue.web.listen
        assert server.url == f"http://{host}:{port}"
        printed = capsys.readouterr().out
        link = re.search(r"(http://\S+/login/once/\S+)", printed)[1]
        assert link == server.demo_link
        # unsafe: accept cookies from an IP address, as browsers do
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            async with browser.get(f"{server.url}/healthz") as res:
                assert res.status == 200
            async with browser.get(link) as res:  # follows the redirect to the page
                assert res.status == 200 and str(res.url) == f"{server.url}/"
                assert "default-src 'self'" in res.headers["Content-Security-Policy"]
            async with browser.get(f"{server.url}/api/me") as res:
                assert (await res.json())["role"] == "operator"
        async with aiohttp.ClientSession() as other, other.get(link) as res:
            assert res.status == 403  # spent
    finally:
        await server.stop()


async def test_no_link_unless_demo(controller, capsys):
    server = WebServer(controller)
    await server.start()
    await server.stop()
    assert server.demo_link is None and "login/once" not in capsys.readouterr().out


async def test_a_busy_port_is_one_clear_error(controller):
    host, port = controller.config.venue.web.listen
    with socket.socket() as squatter:
        squatter.bind((host, port))
        squatter.listen()
        with pytest.raises(UserError, match=f"cannot serve the dashboard on {host}:{port}"):
            await WebServer(controller).start()


async def test_closing_the_pages_at_shutdown_is_not_logged_as_a_drop(controller, caplog):
    server = WebServer(controller)
    await server.start()
    async with aiohttp.ClientSession() as session:
        pages = [await session.ws_connect(f"{server.url}/ws", headers=bearer("viewer"))
                 for _ in range(5)]
        for ws in pages:
            assert (await ws.receive_json())["type"] in ("event", "status")
        for n in range(200):  # the writers are busy when the server stops
            controller.bus.publish("log", level="info", message=f"line {n}")
        with caplog.at_level(logging.DEBUG, logger="showctl.web"):
            await server.stop()
    assert not [r for r in caplog.records if "dropped" in r.getMessage()], caplog.text
