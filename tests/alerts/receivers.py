"""Real alert receivers on 127.0.0.1: an SMTP server (aiosmtpd) and an HTTP endpoint for
Apprise's json://, each keeping what it got."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import Any

from aiohttp import web
from aiosmtpd.controller import Controller as SmtpController

from tests.support import free_port


class Mailbox:
    def __init__(self) -> None:
        self.mails: list[Any] = []
        self.port = free_port(socket.SOCK_STREAM)
        self._smtp = SmtpController(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(envelope)
        return "250 OK"

    @property
    def url(self) -> str:
        return (f"mailto://127.0.0.1:{self.port}?from=showctl@museum.test"
                "&to=av@museum.test&mode=insecure")

    def __enter__(self) -> Mailbox:
        self._smtp.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._smtp.stop()


class Webhook:
    """Apprise's json:// posts {"version", "title", "message", "type"} here."""

    def __init__(self, *, hang: bool = False) -> None:
        self.posts: list[dict[str, Any]] = []
        self.hang = hang
        self.arrived = asyncio.Event()
        self.port = free_port(socket.SOCK_STREAM)
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.port}/alerts"

    async def _post(self, request: web.Request) -> web.Response:
        self.arrived.set()
        if self.hang:
            await asyncio.sleep(3600)
        self.posts.append(json.loads(await request.read()))
        return web.json_response({"ok": True})

    async def __aenter__(self) -> Webhook:
        app = web.Application()
        app.router.add_post("/alerts", self._post)
        self._runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()
