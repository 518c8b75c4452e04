"""mpv's JSON IPC (`--input-ipc-server`) on the player's own asyncio loop.

Our own small client rather than python-mpv-jsonipc: that library reads each socket on a
thread of its own and answers callers synchronously, and a thread beside a busy loop
falls far behind here (GIL); the instant a bundle is due the loop must write one line to
the socket at once, not hand it to a thread. `send` is that write (no reply awaited);
`command` awaits mpv's reply. Every property change arrives stamped with the wall time it
was read, which is what the drift measurement needs (mpv's `time-pos` moves in whole
frames, so the instant of each change is the precise part).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PropertyHandler = Callable[[str, Any, float], None]  # (name, value, wall time read)
EventHandler = Callable[[str, dict[str, Any]], None]  # (event name, the whole event)


class MpvError(Exception):
    """mpv refused a command (its `error` text), or the socket is gone."""


class MpvIpc:
    def __init__(self, on_property: PropertyHandler | None = None,
                 on_event: EventHandler | None = None) -> None:
        self.on_property = on_property or (lambda name, value, at: None)
        self.on_event = on_event or (lambda name, event: None)
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Any] | _Unawaited] = {}
        self._observed: dict[int, str] = {}
        self.closed = asyncio.Event()

    @property
    def connected(self) -> bool:
        return self._writer is not None and not self.closed.is_set()

    async def connect(self, path: Path, timeout: float = 10.0,
                      alive: Callable[[], bool] = lambda: True) -> None:
        """Waits for mpv to create its socket (it does so shortly after starting);
        `alive()` false: mpv died meanwhile, no use waiting out the timeout."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._reader, self._writer = await asyncio.open_unix_connection(
                    str(path), limit=1 << 20)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if not alive():
                    raise MpvError(f"mpv exited before its IPC socket {path} "
                                   "answered") from None
                if time.monotonic() > deadline:
                    raise MpvError(f"mpv's IPC socket {path} did not answer within "
                                   f"{timeout:g} s") from None
                await asyncio.sleep(0.02)
        self.closed.clear()
        self._task = asyncio.get_running_loop().create_task(self._read(), name="mpv-ipc")

    def send(self, *command: Any) -> None:
        """Writes one command now, not waiting for mpv's answer (errors are logged)."""
        if not self.connected:
            return
        assert self._writer is not None
        request = next(self._ids)
        self._writer.write(_line(command, request))
        self._waiting[request] = _Unawaited(command)

    async def command(self, *command: Any, timeout: float = 5.0) -> Any:
        """mpv's `data` for the command; MpvError when it refuses or does not answer."""
        if not self.connected:
            raise MpvError("mpv is not connected")
        assert self._writer is not None
        request = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[request] = future
        self._writer.write(_line(command, request))
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise MpvError(f"mpv did not answer {command[0]} within {timeout:g} s") from None
        finally:
            self._waiting.pop(request, None)

    async def get(self, name: str) -> Any:
        return await self.command("get_property", name)

    async def observe(self, name: str) -> None:
        """Each change of `name` reaches `on_property` (once now, with its value)."""
        number = len(self._observed) + 1
        self._observed[number] = name
        await self.command("observe_property", number, name)

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._fail_waiting()
        self.closed.set()

    async def _read(self) -> None:
        assert self._reader is not None
        try:
            while line := await self._reader.readline():
                at = time.time()
                try:
                    message = json.loads(line)
                except ValueError:
                    log.warning("mpv sent a line that is not JSON: %r", line[:200])
                    continue
                if "event" in message:
                    if message["event"] == "property-change":
                        self.on_property(message.get("name", ""), message.get("data"), at)
                    else:
                        self.on_event(message["event"], message)
                    continue
                waiter = self._waiting.pop(message.get("request_id", 0), None)
                if isinstance(waiter, _Unawaited):
                    if message.get("error") != "success":
                        log.warning("mpv refused %s: %s", waiter.command, message.get("error"))
                elif waiter is not None and not waiter.done():
                    if message.get("error") == "success":
                        waiter.set_result(message.get("data"))
                    else:
                        waiter.set_exception(MpvError(str(message.get("error"))))
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            pass  # mpv died or closed the socket: its process watcher restarts it
        finally:
            self._fail_waiting()
            self.closed.set()

    def _fail_waiting(self) -> None:
        for waiter in self._waiting.values():
            if isinstance(waiter, asyncio.Future) and not waiter.done():
                waiter.set_exception(MpvError("mpv's IPC connection closed"))
        self._waiting.clear()


class _Unawaited:
    """What `send` leaves for its reply: only an error is of interest (logged)."""

    __slots__ = ("command",)

    def __init__(self, command: tuple[Any, ...]) -> None:
        self.command = command[0] if command else "?"


def _line(command: tuple[Any, ...], request: int) -> bytes:
    return json.dumps({"command": list(command), "request_id": request}).encode() + b"\n"
