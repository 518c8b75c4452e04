"""The dashboard's door: a request head must come in time, and one address may hold only
so many connections (real sockets from 127.x source addresses)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from showctl.connlimits import PER_SOURCE
from showctl.core.controller import Controller
from showctl.web import WebServer


@pytest.fixture
async def server(controller: Controller) -> AsyncIterator[WebServer]:
    web = WebServer(controller)
    await web.start()
    yield web
    await web.stop()


@pytest.fixture
async def impatient(controller: Controller, monkeypatch: pytest.MonkeyPatch
                    ) -> AsyncIterator[WebServer]:
    """A dashboard whose head timeout is 0.5 s (10 s in service)."""
    monkeypatch.setattr("showctl.web.app.HEADER_TIMEOUT", 0.5)
    web = WebServer(controller)
    await web.start()
    yield web
    await web.stop()


def port_of(web: WebServer) -> int:
    return int(web.url.rsplit(":", 1)[1])


async def test_a_request_head_that_never_ends_is_cut(impatient: WebServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port_of(impatient))
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-slow: ")
    try:
        assert await asyncio.wait_for(reader.read(), 5) == b""  # closed, nothing served
    finally:
        writer.close()


async def test_one_address_holds_a_bounded_number_of_connections(server: WebServer) -> None:
    cap = PER_SOURCE["http"]
    conns = [await asyncio.open_connection("127.0.0.1", port_of(server),
                                           local_addr=("127.0.0.2", 0)) for _ in range(cap)]
    reader, writer = await asyncio.open_connection("127.0.0.1", port_of(server),
                                                   local_addr=("127.0.0.2", 0))
    try:
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        with pytest.raises(ConnectionError):
            got = await asyncio.wait_for(reader.read(), 5)
            if not got:
                raise ConnectionResetError("closed unanswered")
        other_reader, other = await asyncio.open_connection("127.0.0.1", port_of(server),
                                                            local_addr=("127.0.0.3", 0))
        other.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert (await asyncio.wait_for(other_reader.read(), 5)).startswith(b"HTTP/1.1 200")
        other.close()
    finally:
        writer.close()
        for _, w in conns:
            w.close()
