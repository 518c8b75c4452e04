"""The dashboard's door: every TCP connection is admitted by the process's connection
budget (per source address, within the descriptors left; showctl/connlimits.py) before
aiohttp sees a byte of it.

`Gate` wraps aiohttp's own protocol and hands it every callback unchanged; a connection
refused is closed at once, unread (its source is logged, rate-limited). The head of each
request must arrive within HEADER_TIMEOUT (aiohttp's keep-alive timer, which also runs
from the connection's start), and a body within BODY_TIMEOUT (`read_body`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, cast

from aiohttp import web

from showctl.connlimits import ConnectionBudget
from showctl.errors import BadArgument

log = logging.getLogger(__name__)

HEADER_TIMEOUT = 10.0
"""Seconds a connection may take to send a request's head, and may stay idle between
requests (a slowloris sends one header byte every few seconds and is cut here)."""
BODY_TIMEOUT = 10.0
"""Seconds a request may take to send its body (64 KiB at most)."""


class Gate(asyncio.Protocol):
    def __init__(self, make: Callable[[], Any], budget: ConnectionBudget) -> None:
        self._make, self._budget = make, budget
        self._inner: Any = None
        self._host = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        tcp = cast(asyncio.Transport, transport)
        peer = tcp.get_extra_info("peername") or ("?", 0)
        self._host = str(peer[0])
        why = self._budget.admit("http", self._host, self, tcp.abort)
        if why is not None:
            log.warning("dashboard: refused a connection from %s: %s", self._host, why)
            tcp.abort()
            return
        self._inner = self._make()
        self._inner.connection_made(transport)

    def data_received(self, data: bytes) -> None:
        if self._inner is not None:
            self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received() if self._inner is not None else None

    def pause_writing(self) -> None:
        if self._inner is not None:
            self._inner.pause_writing()

    def resume_writing(self) -> None:
        if self._inner is not None:
            self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        self._budget.release("http", self._host, self)
        if self._inner is not None:
            self._inner.connection_lost(exc)


async def read_body(request: web.Request, read: Callable[[], Any]) -> Any:
    """`await read()` (request.json(), request.post()) within BODY_TIMEOUT."""
    try:
        async with asyncio.timeout(BODY_TIMEOUT):
            return await read()
    except TimeoutError:
        raise BadArgument(f"the request body did not arrive within {BODY_TIMEOUT:g} s") \
            from None
