"""The live feed behind `/ws`: every bus event, and fresh status snapshots, to every client.

The bus listener only appends to an inbox, so the engine never waits for the web.
One hub task turns each event into JSON once and hands it to every client; it then
takes one status snapshot per batch of events (not per event, not per client). Each
client has its own writer task and a bounded queue: a slow tablet falls behind alone,
and when its queue overflows its backlog is dropped for the latest status, which holds
the whole state anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from aiohttp import web

from showctl.core.controller import Controller
from showctl.core.events import Event
from showctl.history import History

log = logging.getLogger(__name__)

CLIENT_QUEUE = 256
"""Events a client may lag behind before its backlog is replaced by a status snapshot."""
RECENT = 40
"""Events a newly connected page gets first: the dashboard's event log."""
SEND_TIMEOUT = 10.0
"""A client that takes longer than this to accept one message is disconnected."""


def dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), default=str)


class Client:
    """One WebSocket: a bounded queue of ready-made JSON texts and its writer task."""

    def __init__(self, ws: web.WebSocketResponse, source: str = "") -> None:
        self.ws, self.source = ws, source
        self._events: deque[str] = deque()
        self._status: str | None = None
        self._wake = asyncio.Event()
        self.dropped = 0
        self.closing = False  # the server is closing it: a failed write is not a drop

    def offer_event(self, text: str) -> None:
        if len(self._events) >= CLIENT_QUEUE:
            self.dropped += len(self._events)
            self._events.clear()  # the next status snapshot carries the whole state
        self._events.append(text)
        self._wake.set()

    def offer_status(self, text: str) -> None:
        self._status = text  # only the latest snapshot matters
        self._wake.set()

    def close_soon(self) -> None:
        """The server is closing: the writer ends after the message it is sending."""
        self.closing = True
        self._wake.set()

    async def run(self) -> None:
        try:
            while not self.ws.closed and not self.closing:
                await self._wake.wait()
                self._wake.clear()
                while self._events and not self.closing:
                    await asyncio.wait_for(self.ws.send_str(self._events.popleft()), SEND_TIMEOUT)
                if self._status is not None and not self.closing:
                    text, self._status = self._status, None
                    await asyncio.wait_for(self.ws.send_str(text), SEND_TIMEOUT)
        except (ConnectionError, TimeoutError, RuntimeError) as exc:
            if self.closing:
                return
            log.info("dashboard client dropped: %s", exc or type(exc).__name__)
            await self.ws.close()


class Hub:
    """Fans the controller's events out to every connected dashboard."""

    def __init__(self, controller: Controller, history: History | None = None) -> None:
        self._controller = controller
        self._history = history
        self._clients: dict[Client, asyncio.Task[None]] = {}
        self._inbox: deque[Event] = deque(maxlen=4096)
        self._recent: deque[str] = deque(maxlen=RECENT)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        if self._history is not None:  # the lines before a restart (and its warning)
            for line in self._history.lines:
                self._recent.append(dumps({"type": "event", **line}))
        self._unsubscribe = self._controller.bus.subscribe(self._on_event)
        self._task = asyncio.get_running_loop().create_task(self._fan_out())

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        # the writers end first, so none writes to a socket being closed under it (the
        # flag, not only cancel(): Python 3.11's wait_for can swallow a cancellation)
        writers = list(self._clients.values())
        for client in self._clients:
            client.close_soon()
        if writers:
            await asyncio.wait(writers, timeout=2.0)
        closing = [asyncio.ensure_future(c.ws.close(code=1001, message=b"server shutting down"))
                   for c in self._clients]
        if closing:  # clients that do not answer the close in time are cut off
            await asyncio.wait(closing, timeout=2.0)
        for task in [*closing, *writers]:
            task.cancel()

    def status_message(self) -> str:
        return dumps({"type": "status", "data": self._controller.status(), "wall": time.time()})

    def add(self, client: Client) -> asyncio.Task[None]:
        for text in self._recent:  # a page opened now still shows the last events
            client.offer_event(text)
        client.offer_status(self.status_message())
        task = asyncio.get_running_loop().create_task(client.run())
        self._clients[client] = task
        return task

    def held_by(self, source: str) -> int:
        """Live feeds open to `source` (an address)."""
        return sum(1 for c in self._clients if c.source == source)

    def remove(self, client: Client) -> None:
        task = self._clients.pop(client, None)
        if task is not None:
            task.cancel()

    @property
    def connected(self) -> list[Client]:
        return list(self._clients)

    def _on_event(self, event: Event) -> None:
        self._inbox.append(event)
        self._wake.set()

    async def _fan_out(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._inbox:
                text = dumps({"type": "event", **self._inbox.popleft().as_json()})
                self._recent.append(text)
                for client in self._clients:
                    client.offer_event(text)
            if not self._clients:
                continue
            try:
                snapshot = self.status_message()
            except Exception:
                log.exception("status() failed; dashboards keep the last snapshot")
                continue
            for client in self._clients:
                client.offer_status(snapshot)
