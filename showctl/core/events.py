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

import logging
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final, Literal, NotRequired, TypedDict, Unpack, overload

from showctl.core.transport import TransportState

log = logging.getLogger(__name__)

EventKind = Literal["state", "cue", "device", "schedule", "run", "log", "files", "venue",
                    "power", "check", "alert", "volume", "player", "storage", "standby"]

STATE: Final = "state"
CUE: Final = "cue"
DEVICE: Final = "device"
SCHEDULE: Final = "schedule"
RUN: Final = "run"
LOG: Final = "log"
FILES: Final = "files"
VENUE: Final = "venue"
POWER: Final = "power"
CHECK: Final = "check"
ALERT: Final = "alert"
VOLUME: Final = "volume"
PLAYER: Final = "player"
STORAGE: Final = "storage"
STANDBY: Final = "standby"


# What `data` holds for each kind; each docstring says when it goes out. The events
# table of docs/architecture.md is these (tests/foundation/test_vocabulary.py checks it).
class StateData(TypedDict):
    """on every transport change, and on a seek (`previous` = `state`)"""

    state: TransportState
    previous: TransportState
    show: str | None
    time: float


class CueData(TypedDict):
    """per cue dispatched (or fired); `deadline_wall`: the wall instant it takes effect"""

    show: str
    cue: str
    name: str
    at: float
    devices: list[str]
    deadline_wall: float


class DeviceData(TypedDict):
    """when a device goes online/offline (with `reason` when offline), and when what a
    device that answers for itself says changes (`said`: Eos's active cue, a projector's
    status; core.liveness)"""

    device: str
    online: bool
    last_seen: float | None
    reason: NotRequired[str | None]
    said: NotRequired[dict[str, Any]]


class ScheduleData(TypedDict):
    """when held/released or the plan of starts changes"""

    held: bool
    next: dict[str, Any] | None
    today: list[dict[str, Any]]


class RunData(TypedDict):
    """a run starts or ends, or a scheduled start is skipped or missed (the history); an
    `end` says who or what ended it in `ended_by` (`web:alice`, `end of show`, `shutdown`...);
    a `start` made with devices offline (`if_devices_missing: start`) says so in `reason`"""

    show: str | None
    by: str
    event: Literal["start", "end", "skip", "miss"]
    outcome: str | None
    reason: str | None
    scheduled: NotRequired[str]
    ended_by: NotRequired[str | None]


LogLevel = Literal["debug", "info", "warning", "error"]


class LogData(TypedDict):
    """an operator-facing line"""

    level: LogLevel
    message: str


class FilesData(TypedDict):
    """after every load of the files (`status()["files"]`)"""

    shows: list[str]
    rejected: list[dict[str, Any]]
    last_good: dict[str, Any]


class VenueData(TypedDict):
    """a reloaded venue is now in force (at once, or once idle)"""

    venue: str
    source: str | None


class PowerData(TypedDict):
    """the room's power sequence began (`report` None) or ended (`report`: per device)"""

    state: str
    by: str
    report: dict[str, Any] | None


class CheckData(TypedDict):
    """a self-check's result (`status()["check"]`)"""

    at: float
    by: str
    ready: bool
    findings: list[dict[str, Any]]


class AlertData(TypedDict):
    """an alert message sent, to be retried, or failed (`status()["alerts"]`)"""

    at: float
    target: str
    title: str
    kinds: list[str]
    status: Literal["sent", "retrying", "failed"]
    error: str | None
    attempt: int


class VolumeData(TypedDict):
    """the master volume changed (`by`: who set it; `venue`: its `volume:` changed)"""

    db: float
    fade: float
    by: str


class PlayerData(TypedDict):
    """a player's report changed what it confirms (state, media, missing files) or whether
    it is where it should be (`mismatch`: why not, or None); not every second's report"""

    device: str
    confirmed: dict[str, Any]
    mismatch: str | None


class StorageData(TypedDict):
    """the state files that cannot be written changed (`failing`: file -> why; empty:
    all written again): a restart would resume from a stale run state"""

    ok: bool
    failing: dict[str, str]


class StandbyData(TypedDict):
    """two controllers (docs/standby.md): this one took over (`takeover`), became the
    standby one (`standby`), or the replication with the other stopped or came back
    (`not_following`, `following`)"""

    what: Literal["takeover", "standby", "not_following", "following"]
    me: str
    peer: str
    epoch: int
    message: str


PAYLOADS: dict[EventKind, type] = {
    STATE: StateData, CUE: CueData, DEVICE: DeviceData, SCHEDULE: ScheduleData,
    RUN: RunData, LOG: LogData, FILES: FilesData, VENUE: VenueData,
    POWER: PowerData, CHECK: CheckData, ALERT: AlertData, VOLUME: VolumeData,
    PLAYER: PlayerData, STORAGE: StorageData, STANDBY: StandbyData,
}


@dataclass(frozen=True, slots=True)
class Event:
    """`data` holds the keys of `PAYLOADS[kind]`."""

    kind: EventKind
    data: dict[str, Any]
    wall: float = field(default_factory=time.time)

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "data": self.data, "wall": self.wall}


Listener = Callable[[Event], None]
Unsubscribe = Callable[[], None]
"""What `subscribe` returns: removes the listener."""


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

    def subscribe(self, listener: Listener) -> Unsubscribe:
        """Add a listener; returns the function that removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    @overload
    def publish(self, kind: Literal["state"], wall: float | None = None,
                **data: Unpack[StateData]) -> Event: ...
    @overload
    def publish(self, kind: Literal["cue"], wall: float | None = None,
                **data: Unpack[CueData]) -> Event: ...
    @overload
    def publish(self, kind: Literal["device"], wall: float | None = None,
                **data: Unpack[DeviceData]) -> Event: ...
    @overload
    def publish(self, kind: Literal["schedule"], wall: float | None = None,
                **data: Unpack[ScheduleData]) -> Event: ...
    @overload
    def publish(self, kind: Literal["run"], wall: float | None = None,
                **data: Unpack[RunData]) -> Event: ...
    @overload
    def publish(self, kind: Literal["log"], wall: float | None = None,
                **data: Unpack[LogData]) -> Event: ...
    @overload
    def publish(self, kind: Literal["files"], wall: float | None = None,
                **data: Unpack[FilesData]) -> Event: ...
    @overload
    def publish(self, kind: Literal["venue"], wall: float | None = None,
                **data: Unpack[VenueData]) -> Event: ...
    @overload
    def publish(self, kind: Literal["power"], wall: float | None = None,
                **data: Unpack[PowerData]) -> Event: ...
    @overload
    def publish(self, kind: Literal["check"], wall: float | None = None,
                **data: Unpack[CheckData]) -> Event: ...
    @overload
    def publish(self, kind: Literal["alert"], wall: float | None = None,
                **data: Unpack[AlertData]) -> Event: ...
    @overload
    def publish(self, kind: Literal["volume"], wall: float | None = None,
                **data: Unpack[VolumeData]) -> Event: ...
    @overload
    def publish(self, kind: Literal["player"], wall: float | None = None,
                **data: Unpack[PlayerData]) -> Event: ...

    @overload
    def publish(self, kind: Literal["storage"], wall: float | None = None,
                **data: Unpack[StorageData]) -> Event: ...

    @overload
    def publish(self, kind: Literal["standby"], wall: float | None = None,
                **data: Unpack[StandbyData]) -> Event: ...

    def publish(self, kind: EventKind, wall: float | None = None, **data: Any) -> Event:
        """mypy checks each kind's keys and types at every call (the overloads above)."""
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
