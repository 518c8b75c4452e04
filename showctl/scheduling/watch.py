"""Applies a saved schedule.yaml without a restart, or keeps the old one when it is bad.

Polling the file's mtime on the injected clock (every couple of seconds) needs no
inotify and works the same in tests. The files go through `Controller.reload()`, the
one loader path, so a schedule naming a show that does not exist is refused like any
other invalid file, with its `path:line:col: message` lines.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from showctl.core.clock import Clock
from showctl.core.controller import Controller
from showctl.core.errors import CommandError

log = logging.getLogger(__name__)


class ScheduleWatch:
    def __init__(
        self, controller: Controller, clock: Clock, every: float, on_change: Callable[[], None]
    ) -> None:
        self.controller, self.clock, self.every = controller, clock, every
        self._on_change = on_change
        self._config = controller.config
        self._mtime = self._stat()

    def _stat(self) -> int | None:
        try:
            return self.controller.config.schedule_path.stat().st_mtime_ns
        except OSError:
            return None

    async def run(self) -> None:
        while True:
            await self.clock.sleep_until(self.clock.monotonic() + self.every)
            mtime = self._stat()
            if mtime != self._mtime:
                self._mtime = mtime
                self.reload()
            else:
                self._check()

    def reload(self) -> list[str]:
        """The files read again; on errors the schedule in force stays and they are logged."""
        try:
            errors = self.controller.reload()
        except CommandError as exc:
            errors = [str(exc)]
        for line in errors:
            self.controller.announce(f"schedule not reloaded: {line}", level="error")
        self._mtime = self._stat()
        self._check()
        return errors

    def _check(self) -> None:
        """Replans when the controller's files changed (by us or by another face)."""
        config = self.controller.config
        if config is not self._config:
            self._config = config
            self._on_change()
