"""Log lines rate-limited per kind, so that no client can fill the journal.

A slowloris of 1,100 connections once wrote 125 MB of log. A kind is a logger and a
message template (`"dashboard login failed for %r from %s"`, not its arguments): each
kind may write BURST lines per PERIOD seconds; the rest are counted, and the next line
of that kind that gets through says how many were suppressed. Only warnings and errors
are limited: that is where outsiders make the controller write (refusals, failures);
info lines (cues, commands, state changes) are its own doing and all kept. Installed as a filter on
the controller's log handler (`showctl run`), so every module is covered without asking.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

BURST = 10
PERIOD = 10.0
MAX_KINDS = 4096


class RateLimit(logging.Filter):
    def __init__(self, burst: int = BURST, period: float = PERIOD,
                 now: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.burst, self.period, self._now = burst, period, now
        self._kinds: dict[tuple[str, str], list[float | int]] = {}  # start, lines, hidden

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, str(record.msg))
        now = self._now()
        state = self._kinds.get(key)
        if state is None or now - state[0] >= self.period:
            hidden = int(state[2]) if state else 0
            if len(self._kinds) >= MAX_KINDS:
                self._kinds.clear()
            self._kinds[key] = [now, 1, 0]
            if hidden:
                record.msg = f"{record.msg} ({hidden} more like it in the last " \
                             f"{self.period:g} s suppressed)"
            return True
        if state[1] < self.burst:
            state[1] += 1
            return True
        state[2] += 1
        return False
