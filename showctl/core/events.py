"""The event bus: how state changes reach every face alike (Mopidy's listener model).

The core publishes; faces subscribe. Listeners are called synchronously in the
publishing task, so they must only hand the event on (put it in a queue, send a
datagram): a slow listener would delay the engine. A listener that raises is logged
and kept, so one broken face cannot silence the others.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

# Event kinds and what `data` holds (docs/architecture.md is the full list):
STATE = "state"  # transport changed: {"state", "show", "time"}
CUE = "cue"  # cue dispatched: {"show", "cue", "name", "at", "devices", "deadline"}
DEVICE = "device"  # device online/offline: {"device", "online", "last_seen"}
SCHEDULE = "schedule"  # schedule held/released/next start: {"held", "next", ...}
RUN = "run"  # a run began or ended (history): {"show", "by", "outcome", ...}
LOG = "log"  # an operator-facing log line: {"level", "message"}


@dataclass(frozen=True, slots=True)
class Event:
    kind: str
    data: dict[str, Any]
    wall: float = field(default_factory=time.time)

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "data": self.data, "wall": self.wall}


Listener = Callable[[Event], None]


class EventBus:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Add a listener; returns the function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def publish(self, kind: str, wall: float | None = None, **data: Any) -> Event:
        event = Event(kind, data) if wall is None else Event(kind, data, wall)
        for listener in tuple(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("event listener %r failed on %s", listener, kind)
        return event
