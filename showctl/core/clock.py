"""The clock the engine and the scheduler run on, injected so that tests can play a
20-minute show or a week of schedule in milliseconds, deterministically.

`monotonic()` drives deadlines (never chained relative sleeps); `time()` is the wall
clock, used only to turn deadlines into OSC timetags and schedule times into starts.
Timetags come from an `Anchor`, one reading of both clocks that a timeline keeps: read
at each build, the two clocks would put every timetag a few microseconds off its plan.
Two waits: `sleep_until` for everything, `arrive_at` for the one task that must act at
an instant (the dispatcher). Only `arrive_at` spins: a housekeeping timer that spun would
hold the loop for ~2 ms every time it woke, and a cue due meanwhile would leave late.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from showctl.codec.osc import Timetag

SPIN = 0.002
"""How early SystemClock wakes to spin: `loop.call_at` is 1-2.5 ms late at p99 here."""
STEP = 1.0
"""A change of the wall clock against the monotonic one this large is a step (NTP's
slewing moves it at most 0.5 ms a second)."""
STEP_POLL = 1.0
"""How often SystemClock compares the two clocks to notice a step."""

RT_SPIN = 0.0002
"""Under real-time scheduling a blocking sleep wakes within ~50 us: the spin after it
only needs to cover that (bench/peers.py measures both)."""


ANCHOR_READS = 3
"""Readings an anchor is the best of (the tightest monotonic pair around the wall read):
one preemption between two reads would otherwise put a whole timeline off by it."""


@dataclass(frozen=True, slots=True)
class Anchor:
    """The wall instant (exact, as a timetag) of one monotonic instant. Every timetag of a
    timeline comes from its anchor: `timetag(deadline)` is the anchor's wall plus the
    monotonic difference, so it lies on the plan to the timetag's resolution, however
    late the bundle is built (two clock reads per build were up to 8 us apart).

    On Linux both clocks advance alike (NTP's slewing changes both rates): they move
    apart only by steps, which `moved` tells from reading jitter."""

    monotonic: float
    wall: Timetag

    def timetag(self, monotonic: float) -> Timetag:
        return self.wall.plus(monotonic - self.monotonic)

    def moved(self, clock: Clock) -> bool:
        """True when the wall clock stepped (by STEP or more) since this was taken."""
        now = clock.monotonic()
        return abs(clock.time() - self.timetag(now).wall) >= STEP


class SpinStats:
    """How long `arrive_at` held a CPU busy-waiting: what a real-time dispatcher takes
    from the rest of the machine at each burst."""

    __slots__ = ("count", "longest", "total")

    def __init__(self) -> None:
        self.count, self.total, self.longest = 0, 0.0, 0.0

    def add(self, seconds: float) -> None:
        self.count += 1
        self.total += seconds
        self.longest = max(self.longest, seconds)

    def as_json(self) -> dict[str, float | int]:
        mean = self.total / self.count if self.count else 0.0
        return {"count": self.count, "mean_ms": round(mean * 1e3, 3),
                "max_ms": round(self.longest * 1e3, 3)}


class Clock(Protocol):
    boot: str
    """Which boot the monotonic clock counts from: two readings compare only within one."""

    def monotonic(self) -> float: ...

    def time(self) -> float: ...

    def anchor(self) -> Anchor:
        """Both clocks read together, for a timeline's timetags."""
        ...

    async def sleep_until(self, deadline: float) -> None:
        """Return at or after monotonic `deadline` (as loop timers do: 1-2.5 ms late)."""
        ...

    async def arrive_at(self, deadline: float, *, early: float = SPIN,
                        then: Callable[[], None] | None = None) -> None:
        """Return at monotonic `deadline` precisely: wake `early` before it, then spin;
        `then` runs the moment the spin ends, before anything else (the burst)."""
        ...

    async def stepped(self) -> float:
        """Return when the wall clock next steps against the monotonic one (by STEP or
        more), with the step in seconds (positive: the wall clock jumped ahead)."""
        ...


def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip()
    except OSError:
        return "unknown"


class SystemClock:
    """The real clock; `arrive_at` sleeps on the loop until ~2 ms before, then spins.

    With `precise_sleep` (the thread runs under SCHED_FIFO, see showctl/realtime.py) it
    blocks in a plain sleep instead of spinning to within RT_SPIN of the instant: the
    loop waits as before, the CPU is free for everything else meanwhile.
    """

    precise_sleep = False
    _spins: SpinStats | None = None

    def __init__(self, *, precise_sleep: bool = False) -> None:
        self.precise_sleep = precise_sleep

    @property
    def spins(self) -> SpinStats:
        if self._spins is None:
            self._spins = SpinStats()
        return self._spins

    boot = _boot_id()

    def monotonic(self) -> float:
        return _time.monotonic()

    def time(self) -> float:
        return _time.time()

    def anchor(self) -> Anchor:
        best: tuple[float, float, int] | None = None
        for _ in range(ANCHOR_READS):
            before, wall, after = _time.monotonic(), _time.time_ns(), _time.monotonic()
            if best is None or after - before < best[1] - best[0]:
                best = (before, after, wall)
        assert best is not None
        return Anchor((best[0] + best[1]) / 2, Timetag.of_ns(best[2]))

    async def sleep_until(self, deadline: float) -> None:
        while (left := deadline - _time.monotonic()) > 0:
            await asyncio.sleep(left)

    async def arrive_at(self, deadline: float, *, early: float = SPIN,
                        then: Callable[[], None] | None = None) -> None:
        await self.sleep_until(deadline - early)
        if self.precise_sleep and (left := deadline - _time.monotonic() - RT_SPIN) > 0:
            _time.sleep(left)
        start = now = _time.monotonic()
        while now < deadline:
            now = _time.monotonic()
        if then is not None:
            then()
        self.spins.add(now - start)

    async def stepped(self) -> float:
        offset = _time.time() - _time.monotonic()
        while True:
            await asyncio.sleep(STEP_POLL)
            now = _time.time() - _time.monotonic()
            if abs(now - offset) >= STEP:
                return now - offset
            offset = now  # slewing: follow it, so it never adds up to a "step"


class FakeClock:
    """A clock that moves only when a test says so.

    `await clock.advance(seconds)` wakes every sleeper due in order, each at its exact
    deadline, letting the loop settle between them, so code that reacts to one wake-up
    (and schedules the next) runs exactly as it would in real time.
    """

    def __init__(self, monotonic: float = 1000.0, wall: float = 1_800_000_000.0, *,
                 boot: str | None = None) -> None:
        self._now = monotonic
        self._wall_offset = wall - monotonic
        self.boot = boot or f"fake-{id(self):x}"  # give two clocks one boot to share it
        self._steps: list[asyncio.Future[float]] = []
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def monotonic(self) -> float:
        return self._now

    def time(self) -> float:
        return self._now + self._wall_offset

    def anchor(self) -> Anchor:
        """Exact: the sum `time()` rounds to a float's 0.24 us, added as a timetag."""
        return Anchor(self._now, Timetag.of(self._wall_offset).plus(self._now))

    async def sleep_until(self, deadline: float) -> None:
        if deadline <= self._now:
            await asyncio.sleep(0)
            return
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (deadline, next(self._seq), future))
        await future

    async def arrive_at(self, deadline: float, *, early: float = SPIN,
                        then: Callable[[], None] | None = None) -> None:
        await self.sleep_until(deadline)
        if then is not None:
            then()

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

    async def stepped(self) -> float:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._steps.append(future)
        return await future

    def set_wall(self, wall: float) -> None:
        """Jump the wall clock (e.g. to a given local date) without moving monotonic time."""
        self.step_wall(wall - self.time())

    def step_wall(self, seconds: float) -> None:
        """Step the wall clock by `seconds` (NTP correcting it), monotonic time unmoved:
        from now on the two clocks diverge by that much more. Waiters on `stepped` hear
        of it (a step smaller than STEP is a slew: nobody is told)."""
        self._wall_offset += seconds
        if abs(seconds) >= STEP:
            steps, self._steps = self._steps, []
            for future in steps:
                if not future.done():
                    future.set_result(seconds)


async def wait_until(clock: Clock, deadline: float, event: asyncio.Event) -> bool:
    """Waits until `event` is set or the injected clock reaches `deadline` (monotonic),
    whichever is first: True when the deadline came, False when the event was set. A
    fake clock's week passes in milliseconds, and nothing is left waiting afterwards."""
    if event.is_set():
        return False
    sleeper = asyncio.ensure_future(clock.sleep_until(deadline))
    waiter = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait({sleeper, waiter}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        sleeper.cancel()
        waiter.cancel()
    return not event.is_set()


async def settle(rounds: int = 20) -> None:
    """Let every ready callback and the tasks they wake run to their next wait."""
    for _ in range(rounds):
        await asyncio.sleep(0)
