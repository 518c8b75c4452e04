"""The event bus: how state changes reach every face alike (Mopidy's listener model).

The core publishes; faces subscribe. Listeners are called synchronously in the
publishing task, so they must only hand the event on (put it in a queue, send a
datagram): a slow listener would delay the engine. A listener that raises is logged
and kept, so one broken face cannot silence the others.

Listeners never see a half-changed core: inside `held()` (a command, a timeline step)
events wait and go out, in order, once the outermost block is done; an event published
while others are being delivered waits its turn, so every listener sees the same order.
`delivering` tells the core that a listener is running (a command from there is refused).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
FILES = "files"  # files (re)loaded: {"shows", "rejected", "last_good"}; see Controller.reload
VENUE = "venue"  # a new venue is in force (a reload, once idle): {"venue", "source"}
POWER = "power"  # the room's power: {"state", "by", "report"} (report: when a sequence ends)
CHECK = "check"  # a self-check's result: {"at", "by", "ready", "findings"}
ALERT = "alert"  # an alert sent, retried or failed: {"target", "title", "kinds", "status", ...}


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
        self._queue: deque[Event] = deque()
        self._held = 0
        self._delivering = False

    @property
    def delivering(self) -> bool:
        """True while a listener is being called."""
        return self._delivering

    @contextmanager
    def held(self) -> Iterator[None]:
        """Events published inside go out when the outermost `held()` ends."""
        self._held += 1
        try:
            yield
        finally:
            self._held -= 1
            if not self._held:
                self._deliver()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Add a listener; returns the function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def publish(self, kind: str, wall: float | None = None, **data: Any) -> Event:
        event = Event(kind, data) if wall is None else Event(kind, data, wall)
        self._queue.append(event)
        if not self._held:
            self._deliver()
        return event

    def _deliver(self) -> None:
        if self._delivering:
            return  # the delivery in progress takes it, after the current event
        self._delivering = True
        try:
            while self._queue:
                event = self._queue.popleft()
                for listener in tuple(self._listeners):
                    try:
                        listener(event)
                    except Exception:
                        log.exception("event listener %r failed on %s", listener, event.kind)
        finally:
            self._delivering = False
