"""Acting at a bundle's timetag on this PC's wall clock.

Timetags are wall times; the wait runs on the monotonic clock (a wall-clock step while
waiting must not move the instant): the wall deadline becomes a monotonic one once, at
arrival. As the controller's dispatcher does (showctl/core/clock.py), the loop's timer
wakes `SPIN` early and the last stretch is spun: `loop.call_at` alone is 1-2.5 ms late
at p99 here, the spin lands within microseconds.
"""

from __future__ import annotations

import asyncio
import time

SPIN = 0.002
LATE = 0.001
"""A bundle arriving more than this after its timetag is counted late (it acts at once)."""


def monotonic_deadline(wall: float) -> float:
    return time.monotonic() + (wall - time.time())


async def arrive_at(deadline: float) -> None:
    """Returns at monotonic `deadline`: sleeps on the loop until SPIN before, then spins."""
    while (left := deadline - SPIN - time.monotonic()) > 0:
        await asyncio.sleep(left)
    while time.monotonic() < deadline:
        pass
