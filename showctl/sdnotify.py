"""systemd's notify protocol, spoken directly on `$NOTIFY_SOCKET` (no dependency).

`READY=1` once the sockets are bound, `WATCHDOG=1` from the event loop itself (a stuck
loop stops the pings, so systemd restarts it), `STOPPING=1` on the way out. Outside
systemd (no NOTIFY_SOCKET) every call does nothing.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


class Notifier:
    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        path = env.get("NOTIFY_SOCKET", "")
        self.address = "\0" + path[1:] if path.startswith("@") else path  # abstract socket
        usec = env.get("WATCHDOG_USEC", "")
        pid = env.get("WATCHDOG_PID", "")
        mine = not pid or pid == str(os.getpid())
        self.watchdog_interval = int(usec) / 2e6 if usec.isdigit() and mine else None
        self._task: asyncio.Task[None] | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def send(self, state: str) -> bool:
        """One datagram; never raises (a gone manager must not stop the show)."""
        if not self.address:
            return False
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.setblocking(False)
                sock.sendto(state.encode(), self.address)
            return True
        except OSError as exc:
            log.warning("systemd notify %r failed: %s", state, exc)
            return False

    def ready(self, status: str) -> None:
        self.send(f"READY=1\nSTATUS={status}")
        if self.enabled and self.watchdog_interval and self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._ping(), name="watchdog")

    async def _ping(self) -> None:
        assert self.watchdog_interval is not None
        while True:
            self.send("WATCHDOG=1")
            await asyncio.sleep(self.watchdog_interval)

    async def stopping(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        self.send("STOPPING=1")
