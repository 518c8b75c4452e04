"""Applies a saved schedule.yaml without a restart, or keeps the old one when it is bad.

Polling the file's mtime on the injected clock (every couple of seconds) needs no
inotify and works the same in tests. The files go through `Controller.reload()`, the
one loader path (off the loop), which logs every rejected file with its
`path:line:col: message` lines; the runner replans on the `files` event that follows.
Nothing a file holds can end the watch: an unexpected error is logged and it goes on.
"""

from __future__ import annotations

import logging

from showctl.core.clock import Clock
from showctl.core.controller import Controller
from showctl.core.errors import CommandError

log = logging.getLogger(__name__)


class ScheduleWatch:
    def __init__(self, controller: Controller, clock: Clock, every: float) -> None:
        self.controller, self.clock, self.every = controller, clock, every
        self._mtime = self._stat()

    def _stat(self) -> int | None:
        try:
            return self.controller.config.schedule_path.stat().st_mtime_ns
        except OSError:
            return None

    async def run(self) -> None:
        while True:
            await self.clock.sleep_until(self.clock.monotonic() + self.every)
            try:
                if self._stat() != self._mtime:
                    await self.reload()
            except Exception:  # the watch must outlive anything a file holds
                log.exception("schedule watch: reading the files failed; watching on")
                self._mtime = self._stat()

    async def reload(self) -> list[str]:
        """The files read again; the controller logs the errors and keeps what is good."""
        self._mtime = self._stat()
        try:
            return await self.controller.reload()
        except CommandError as exc:
            log.error("reload: %s", exc)
            return [str(exc)]
