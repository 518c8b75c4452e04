"""The clock the engine and the scheduler run on, injected so that tests can play a
20-minute show or a week of schedule in milliseconds, deterministically.

`monotonic()` drives deadlines (never chained relative sleeps); `time()` is the wall
clock, used only to turn deadlines into OSC timetags and schedule times into starts.
Two waits: `sleep_until` for everything, `arrive_at` for the one task that must act at
an instant (the dispatcher). Only `arrive_at` spins: a housekeeping timer that spun would
hold the loop for ~2 ms every time it woke, and a cue due meanwhile would leave late.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time as _time
from typing import Protocol

SPIN = 0.002
"""How early SystemClock wakes to spin: `loop.call_at` is 1-2.5 ms late at p99 here."""


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def time(self) -> float: ...

    async def sleep_until(self, deadline: float) -> None:
        """Return at or after monotonic `deadline` (as loop timers do: 1-2.5 ms late)."""
        ...

    async def arrive_at(self, deadline: float, *, early: float = SPIN) -> None:
        """Return at monotonic `deadline` precisely: wake `early` before it, then spin."""
        ...


class SystemClock:
    """The real clock; `arrive_at` sleeps on the loop until ~2 ms before, then spins."""

    def monotonic(self) -> float:
        return _time.monotonic()

    def time(self) -> float:
        return _time.time()

    async def sleep_until(self, deadline: float) -> None:
        while (left := deadline - _time.monotonic()) > 0:
            await asyncio.sleep(left)

    async def arrive_at(self, deadline: float, *, early: float = SPIN) -> None:
        await self.sleep_until(deadline - early)
        while _time.monotonic() < deadline:
            pass


class FakeClock:
    """A clock that moves only when a test says so.

    `await clock.advance(seconds)` wakes every sleeper due in order, each at its exact
    deadline, letting the loop settle between them, so code that reacts to one wake-up
    (and schedules the next) runs exactly as it would in real time.
    """

    def __init__(self, monotonic: float = 1000.0, wall: float = 1_800_000_000.0) -> None:
        self._now = monotonic
        self._wall_offset = wall - monotonic
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def monotonic(self) -> float:
        return self._now

    def time(self) -> float:
        return self._now + self._wall_offset

    async def sleep_until(self, deadline: float) -> None:
        if deadline <= self._now:
            await asyncio.sleep(0)
            return
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (deadline, next(self._seq), future))
        await future

    async def arrive_at(self, deadline: float, *, early: float = SPIN) -> None:
        await self.sleep_until(deadline)

    async def advance(self, seconds: float) -> None:
        await self.advance_to(self._now + seconds)

    async def advance_to(self, target: float) -> None:
        await settle()
        while self._sleepers and self._sleepers[0][0] <= target:
            deadline, _, future = heapq.heappop(self._sleepers)
            self._now = max(self._now, deadline)
            if not future.done():
                future.set_result(None)
            await settle()
        self._now = max(self._now, target)
        await settle()

    def set_wall(self, wall: float) -> None:
        """Jump the wall clock (e.g. to a given local date) without moving monotonic time."""
        self._wall_offset = wall - self._now

    def step_wall(self, seconds: float) -> None:
        """Step the wall clock by `seconds` (NTP correcting it), monotonic time unmoved:
        from now on the two clocks diverge by that much more."""
        self._wall_offset += seconds


async def settle(rounds: int = 20) -> None:
    """Let every ready callback and the tasks they wake run to their next wait."""
    for _ in range(rounds):
        await asyncio.sleep(0)
