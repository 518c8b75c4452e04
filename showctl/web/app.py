"""The dashboard application and the face that serves it on `venue.web.listen`."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from aiohttp import web

from showctl.connlimits import shared
from showctl.core.controller import Controller
from showctl.core.events import Event, Unsubscribe
from showctl.errors import UserError
from showctl.history import History
from showctl.web import api, media, metrics, pages, room
from showctl.web.auth import Accounts, LoginLimiter, Sessions
from showctl.web.gate import HEADER_TIMEOUT, Gate
from showctl.web.live import Hub
from showctl.web.security import (
    ACCOUNTS,
    SESSIONS,
    add_headers,
    auth_middleware,
    errors_middleware,
    host_middleware,
)

log = logging.getLogger(__name__)

SESSION_FILE = "web-sessions.json"


def make_app(
    controller: Controller, history: History | None = None, *,
    accounts: Accounts | None = None
) -> web.Application:
    """The aiohttp application (also what aiohttp's test client serves).

    Sessions are kept in `<state_dir>/web-sessions.json`, so a restarted controller
    keeps its operators logged in. `accounts` defaults to the users and tokens of the
    controller's current config (so a reload applies them at the next request).
    """
    venue = controller.config.venue
    app = web.Application(middlewares=[errors_middleware, host_middleware, auth_middleware],
                          client_max_size=64 * 1024)
    app[api.CONTROLLER] = controller
    if history is not None:
        app[api.HISTORY] = history
    app[ACCOUNTS] = accounts or Accounts(lambda: controller.config.venue.web)
    app[SESSIONS] = Sessions(Path(venue.state_dir) / SESSION_FILE)
    app[pages.LIMITER] = LoginLimiter()
    app[pages.HUB] = Hub(controller, history)
    app[metrics.METRICS] = metrics.RoomMetrics(controller)
    app.add_routes(api.routes)
    app.add_routes(metrics.routes)
    app.add_routes(room.routes)
    app.add_routes(media.routes)
    app.add_routes(pages.routes)
    app.router.add_static("/static/", pages.STATIC, append_version=False)

    async def start_hub(app: web.Application) -> None:
        app[pages.HUB].start()

    async def stop_hub(app: web.Application) -> None:
        await controller.media.release()  # the media agents' long polls answer now
        await app[pages.HUB].stop()
        app[metrics.METRICS].close()

    app.on_response_prepare.append(add_headers)
    app.on_startup.append(start_hub)
    app.on_shutdown.append(stop_hub)
    return app


class WebServer:
    """The dashboard face: `WebServer(controller, history=None, demo=False)`.

    `await start()` serves on `venue.web.listen`; `await stop()` closes every
    dashboard connection. With `demo=True` (for `showctl run --simulate`), start
    prints a one-time login link that logs a browser in as an operator.
    """

    def __init__(self, controller: Controller, history: History | None = None, *,
                 demo: bool = False) -> None:
        self._controller = controller
        self._accounts = Accounts(lambda: controller.config.venue.web)
        self.app = make_app(controller, history, accounts=self._accounts)
        self._demo = demo
        self._runner: web.AppRunner | None = None
        self._server: asyncio.Server | None = None
        self._serving: tuple[str, int] | None = None
        self._told: tuple[str, int] | None = None
        self._unsubscribe: Unsubscribe | None = None
        self.demo_link: str | None = None

    @property
    def url(self) -> str:
        host, port = self._serving or self._controller.config.venue.web.listen
        return f"http://{host if ':' not in host else f'[{host}]'}:{port}"

    async def start(self) -> None:
        host, port = self._controller.config.venue.web.listen
        self._runner = web.AppRunner(self.app, access_log=None, shutdown_timeout=2.0,
                                     keepalive_timeout=HEADER_TIMEOUT)
        await self._runner.setup()
        server, budget = self._runner.server, shared()
        assert server is not None  # made by setup()
        try:
            self._server = await asyncio.get_running_loop().create_server(
                lambda: Gate(server, budget), host, port, reuse_address=True, backlog=256)
        except OSError as exc:
            await self._runner.cleanup()
            self._runner = None
            raise UserError(f"cannot serve the dashboard on {host}:{port}: {exc}") from exc
        self._serving = self._told = (host, port)
        log.info("dashboard on %s", self.url)
        self._unsubscribe = self._controller.bus.subscribe(self._listen_changed)
        if self._demo:
            self.demo_link = f"{self.url}/login/once/{self._accounts.one_time_link()}"
            print(f"Dashboard: {self.demo_link}  (one-time operator login)", flush=True)

    def _listen_changed(self, event: Event) -> None:
        """Users and tokens follow a reload; the address served changes only on restart."""
        listen = self._controller.config.venue.web.listen
        if listen != self._told and self._serving is not None:
            self._told = listen
            host, port = self._serving
            log.warning("web.listen is now %s:%s in the venue file, but the dashboard stays on "
                        "%s:%s until showctl restarts", *listen, host, port)

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._server is not None:
            self._server.close()  # no new connections; the runner closes the open ones
            self._server = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
