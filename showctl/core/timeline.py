"""The dispatcher's sources: a show's timeline from a playhead on, and DMX fade streams."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence

from showctl.codec.osc import Timetag
from showctl.core.clock import Anchor, Clock
from showctl.core.dispatch import Dispatcher
from showctl.core.mix import Master
from showctl.core.plan import Plan, PlannedCue
from showctl.core.playerclock import PlayerClock
from showctl.outputs.actions import Action, Dmx, Levels, Volume
from showctl.outputs.dmx import Mixer
from showctl.outputs.router import Router

CueCallback = Callable[[PlannedCue, float], None]
LevelsCallback = Callable[[Sequence[Action], float, Anchor], None]


def follow(anchor: Anchor, clock: Clock) -> Anchor:
    """The anchor, or a new one when the wall clock stepped since (NTP): timetags follow a
    step, never the microseconds between two clock reads."""
    return clock.anchor() if anchor.moved(clock) else anchor


class Timeline:
    """Cues at `t0 + cue.at` from `index` on; the drift clock (`clock` to every player
    that must be playing, at each whole show second); the end of the show. Halts after
    building a hold cue.

    `catch_up` actions (a start mid-show) take effect at `t0 + start`, before any cue.
    Every timetag is `anchor`'s (taken when the timeline starts): exactly on the plan.
    """

    def __init__(
        self,
        plan: Plan,
        router: Router,
        clock: Clock,
        *,
        t0: float,
        start: float,
        anchor: Anchor,
        index: int,
        on_cue: CueCallback,
        on_end: Callable[[], None],
        players: PlayerClock,
        master: Master,
        on_levels: LevelsCallback | None = None,
        catch_up: Iterable[Action] = (),
    ) -> None:
        self.plan, self.router, self.clock, self.t0 = plan, router, clock, t0
        self.anchor = anchor
        self.index = index
        self.on_cue, self.on_end, self.on_levels = on_cue, on_end, on_levels
        self._cut_at: float | None = None  # show time after which nothing is built
        self.players, self.master = players, master
        self._catch_up = list(catch_up)
        self._catch_up_at = start
        self._tick = math.floor(start) + 1 if start > 0 else 1
        self._halt_at: float | None = None
        self._end_built = False
        self._pending: list[tuple[float, tuple[Action, ...]]] = []  # built, not in effect

    def _limit(self) -> float:
        return self._halt_at if self._halt_at is not None else self.plan.length

    def cut(self, t: float) -> None:
        """Nothing after show time `t` is built any more (a pause taking effect then:
        cues up to it still go out, each device at its own lead)."""
        self._cut_at = t

    def _next(self) -> tuple[float, str] | None:
        items: list[tuple[float, str]] = []
        if self._catch_up:
            items.append((self._catch_up_at, "catch-up"))
        if self._halt_at is None and self.index < len(self.plan.cues):
            items.append((self.plan.cues[self.index].at, "cue"))
        if self._tick < self._limit():
            items.append((float(self._tick), "tick"))
        if self._halt_at is None and self.index >= len(self.plan.cues) and not self._end_built:
            items.append((self.plan.length, "end"))
        if self._cut_at is not None:
            items = [i for i in items if i[0] <= self._cut_at]
        return min(items, key=lambda i: (i[0], _ORDER[i[1]])) if items else None

    def peek(self) -> float | None:
        item = self._next()
        return None if item is None else self.t0 + item[0]

    def build(self, dispatcher: Dispatcher) -> None:
        item = self._next()
        if item is None:
            return
        at, kind = item
        deadline = self.t0 + at
        self.anchor = follow(self.anchor, self.clock)
        wall = self.anchor.timetag(deadline)
        if kind == "catch-up":
            actions, self._catch_up = tuple(self._catch_up), []
            self._send(dispatcher, actions, deadline, wall)
            self._levels(dispatcher, actions, deadline)
            entry = (deadline, actions)
            self._pending.append(entry)
            dispatcher.push(self, deadline, callback=lambda: self._in_effect(entry))
        elif kind == "cue":
            planned = self.plan.cues[self.index]
            self.index += 1
            self._send(dispatcher, planned.actions, deadline, wall)
            self._levels(dispatcher, planned.actions, deadline)
            entry = (deadline, planned.actions)
            self._pending.append(entry)
            dispatcher.push(self, deadline,
                            callback=lambda: self._in_effect(entry, planned, wall.wall))
            if planned.cue.hold:
                self._halt_at = planned.at
        elif kind == "tick":
            self._tick += 1
            self._send(dispatcher, self.players.actions(at, deadline, self._pending),
                       deadline, wall)
        else:
            self._end_built = True
            dispatcher.push(self, deadline, callback=self.on_end)

    def _in_effect(self, entry: tuple[float, tuple[Action, ...]],
                   planned: PlannedCue | None = None, wall: float = 0.0) -> None:
        """A cue (or the catch-up) has taken effect: the device book knows it now."""
        self._pending.remove(entry)
        if planned is None:
            self.players.book.apply(entry[1], entry[0])
        else:
            self.on_cue(planned, wall)

    def _send(self, dispatcher: Dispatcher, actions: Iterable[Action], deadline: float,
              wall: Timetag) -> None:
        send(dispatcher, self, self.router, self.master, actions, deadline, wall)

    def _levels(self, dispatcher: Dispatcher, actions: Iterable[Action],
                deadline: float) -> None:
        """DMX fades start a lead before their instant, so that their first frame can
        leave as early as every other packet of the cue."""
        levels = [a for a in actions if a.kind == "levels"]
        if levels and self.on_levels is not None:
            on_levels, anchor = self.on_levels, self.anchor
            dispatcher.push(self, deadline - self.router.max_lead, deadline=deadline,
                            callback=lambda: on_levels(levels, deadline, anchor))


def send(dispatcher: Dispatcher, source: object, router: Router, master: Master,
         actions: Iterable[Action], deadline: float, wall: Timetag) -> None:
    """Each device's packets for `actions` at wall instant `wall`, leaving its lead before
    `deadline`. A device's packets carrying a `volume` are encoded as they leave, so they
    hold the master volume of that moment even if the operator moved it since."""
    actions = [a for a in actions if not isinstance(a, Levels)]
    mixed = {a.device for a in actions if isinstance(a, Volume)}
    for device, address, data in router.packets(
            (a for a in actions if a.device not in mixed), wall):
        dispatcher.push(source, deadline - router.lead[device], address, data,
                        deadline=deadline)
    for device in mixed:
        mine = [a for a in actions if a.device == device]
        dispatcher.push(source, deadline - router.lead[device], router.addresses[device],
                        _encoder(router, master, mine, wall), deadline=deadline)


def _encoder(router: Router, master: Master, actions: list[Action],
             wall: Timetag) -> Callable[[], list[bytes]]:
    def encode() -> list[bytes]:
        return [data for _, _, data in router.packets(master.resolve(actions), wall)]
    return encode


class HoldClock:
    """The drift clock while the timeline holds: players keep playing through a hold, so
    they keep getting `clock` once a second (show time: the hold's), from `first` on,
    timetagged from the held timeline's `anchor`.

    A second nobody plays (every player loaded, or a lights-only show) is decided at the
    last moment, when its packets would leave: a cue fired in the hold may start a player
    by then, and a source that built nothing, second after second ahead, froze the loop."""

    def __init__(self, players: PlayerClock, router: Router, clock: Clock, master: Master,
                 *, show_time: float, first: float, anchor: Anchor) -> None:
        self.players, self.router, self.clock, self.master = players, router, clock, master
        self.show_time, self._next, self.anchor = show_time, first, anchor
        self._waiting = False

    def peek(self) -> float | None:
        return None if self._waiting else self._next

    def build(self, dispatcher: Dispatcher) -> None:
        at = self._next
        actions = self.players.actions(self.show_time, at)
        decide_at = at - dispatcher.lead
        if not actions and self.clock.monotonic() < decide_at:
            self._waiting = True
            dispatcher.push(self, decide_at, callback=self._wake)
            return
        self._next = at + 1.0
        self.anchor = follow(self.anchor, self.clock)
        send(dispatcher, self, self.router, self.master, actions, at, self.anchor.timetag(at))

    def _wake(self) -> None:
        self._waiting = False


_ORDER = {"catch-up": 0, "cue": 1, "tick": 2, "end": 3}


class DmxStream:
    """One DMX device's frames while any of its fades moves (40 Hz, exact end frames),
    timetagged from the anchor of the latest fade's start (its timeline's)."""

    def __init__(self, device: str, router: Router, dispatcher: Dispatcher) -> None:
        self.device, self.router, self.dispatcher = device, router, dispatcher
        self.mixer = Mixer()
        self.anchor: Anchor | None = None
        self._built_until = float("-inf")

    def start(self, levels: Iterable[tuple[int, int]], fade: float, at: float,
              anchor: Anchor) -> None:
        self.mixer.start(levels, fade, at)
        self.anchor = anchor
        if self._built_until >= at:  # a frame built ahead no longer holds
            self.dispatcher.drop(self, since=at)
        self.dispatcher.add(self)

    def peek(self) -> float | None:
        return self.mixer.next_frame

    def build(self, dispatcher: Dispatcher) -> None:
        t = self.mixer.next_frame
        if t is None:
            return
        frame = Dmx(self.device, self.mixer.frame(t))
        clock = dispatcher.clock
        self.anchor = clock.anchor() if self.anchor is None else follow(self.anchor, clock)
        for _, address, data in self.router.packets([frame], self.anchor.timetag(t)):
            dispatcher.push(self, t - self.router.lead[self.device], address, data, deadline=t)
        self._built_until = t
        self.mixer.advance(t)
