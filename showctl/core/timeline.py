"""The dispatcher's sources: a show's timeline from a playhead on, and DMX fade streams."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

from showctl.core.clock import Clock
from showctl.core.dispatch import Dispatcher
from showctl.core.plan import Plan, PlannedCue
from showctl.outputs.actions import Action
from showctl.outputs.dmx import Mixer
from showctl.outputs.router import Router

CueCallback = Callable[[PlannedCue, float], None]


class Timeline:
    """Cues at `t0 + cue.at` from `index` on; the drift clock (`clock` to every screen at
    each whole show second); the end of the show. Halts after building a hold cue.

    `catch_up` actions (a start mid-show) take effect at `t0 + start`, before any cue.
    """

    def __init__(
        self,
        plan: Plan,
        router: Router,
        clock: Clock,
        *,
        t0: float,
        start: float,
        index: int,
        on_cue: CueCallback,
        on_end: Callable[[], None],
        catch_up: Iterable[Action] = (),
    ) -> None:
        self.plan, self.router, self.clock, self.t0 = plan, router, clock, t0
        self.index = index
        self.on_cue, self.on_end = on_cue, on_end
        self._catch_up = list(catch_up)
        self._catch_up_at = start
        self._tick = math.floor(start) + 1 if start > 0 else 1
        self._halt_at: float | None = None
        self._end_built = False
        self._screens = [d.id for d in plan.venue.screens]

    def _limit(self) -> float:
        return self._halt_at if self._halt_at is not None else self.plan.length

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
        wall = self.clock.time() + (deadline - self.clock.monotonic())
        if kind == "catch-up":
            actions, self._catch_up = self._catch_up, []
            self._send(dispatcher, actions, deadline, wall)
        elif kind == "cue":
            planned = self.plan.cues[self.index]
            self.index += 1
            self._send(dispatcher, planned.actions, deadline, wall)
            dispatcher.push(self, deadline, callback=lambda: self.on_cue(planned, wall))
            if planned.cue.hold:
                self._halt_at = planned.at
        elif kind == "tick":
            self._tick += 1
            ticks = [Action(s, "clock", (at,)) for s in self._screens]
            self._send(dispatcher, ticks, deadline, wall)
        else:
            self._end_built = True
            dispatcher.push(self, deadline, callback=self.on_end)

    def _send(self, dispatcher: Dispatcher, actions: Iterable[Action], deadline: float,
              wall: float) -> None:
        for device, address, data in self.router.packets(
            (a for a in actions if a.kind != "levels"), wall
        ):
            dispatcher.push(self, deadline - self.router.lead[device], address, data)


_ORDER = {"catch-up": 0, "cue": 1, "tick": 2, "end": 3}


class DmxStream:
    """One DMX device's frames while any of its fades moves (40 Hz, exact end frames)."""

    def __init__(self, device: str, router: Router, dispatcher: Dispatcher) -> None:
        self.device, self.router, self.dispatcher = device, router, dispatcher
        self.mixer = Mixer()
        self._built_until = float("-inf")

    def start(self, levels: Iterable[tuple[int, int]], fade: float, at: float) -> None:
        self.mixer.start(levels, fade, at)
        if self._built_until >= at:  # a frame built ahead no longer holds
            self.dispatcher.drop(self, since=at)
        self.dispatcher.add(self)

    def peek(self) -> float | None:
        return self.mixer.next_frame

    def build(self, dispatcher: Dispatcher) -> None:
        t = self.mixer.next_frame
        if t is None:
            return
        frame = Action(self.device, "dmx", (self.mixer.frame(t),))
        clock = dispatcher.clock
        wall = clock.time() + (t - clock.monotonic())
        for _, address, data in self.router.packets([frame], wall):
            dispatcher.push(self, t - self.router.lead[self.device], address, data)
        self._built_until = t
        self.mixer.advance(t)
