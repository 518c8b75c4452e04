import asyncio
import time

from showctl.core.clock import FakeClock, SystemClock


async def test_fake_clock_wakes_sleepers_in_deadline_order_at_their_exact_time():
    clock = FakeClock(monotonic=0.0)
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, deadline: float) -> None:
        await clock.sleep_until(deadline)
        woke.append((name, clock.monotonic()))

    tasks = [asyncio.create_task(sleeper(n, d)) for n, d in (("b", 2.5), ("a", 1.0), ("c", 9.0))]
    await clock.advance(3.0)
    assert woke == [("a", 1.0), ("b", 2.5)]
    assert clock.monotonic() == 3.0
    await clock.advance(10.0)
    assert woke[-1] == ("c", 9.0)
    await asyncio.gather(*tasks)


async def test_fake_clock_runs_chained_sleeps_scheduled_by_woken_code():
    clock = FakeClock(monotonic=0.0)
    ticks: list[float] = []

    async def ticker() -> None:
        deadline = 0.0
        for _ in range(1200):  # a 20-minute show's drift clock, once a second
            deadline += 1.0
            await clock.sleep_until(deadline)
            ticks.append(clock.monotonic())

    task = asyncio.create_task(ticker())
    started = time.perf_counter()
    await clock.advance(1200.0)
    assert time.perf_counter() - started < 5.0
    assert ticks == [float(n) for n in range(1, 1201)]
    await task


async def test_fake_clock_wall_time_moves_with_monotonic_and_can_be_set():
    clock = FakeClock(monotonic=50.0, wall=1000.0)
    await clock.advance(2.0)
    assert clock.time() == 1002.0
    clock.set_wall(5000.0)
    assert clock.time() == 5000.0 and clock.monotonic() == 52.0


async def test_system_clock_waits_return_at_the_deadline_not_before():
    clock = SystemClock()
    for wait in (clock.sleep_until, clock.arrive_at):
        deadline = clock.monotonic() + 0.02
        await wait(deadline)
        late = clock.monotonic() - deadline
        assert 0 <= late < 0.05  # generous: precision is measured in bench/timing.py


async def test_only_arrive_at_spins_so_housekeeping_never_holds_the_loop():
    # a 2 ms spin in a once-a-second housekeeping timer made cues due then 3 ms late
    clock = SystemClock()

    async def cpu_for(wait) -> float:
        started = time.process_time()
        for _ in range(10):
            await wait(clock.monotonic() + 0.02)
        return time.process_time() - started

    # measured here: ~2.3 ms of CPU for ten plain waits (the loop's own work), ~8.7 ms
    # for ten that spin; before the fix both spun alike
    assert await cpu_for(clock.arrive_at) > 2 * await cpu_for(clock.sleep_until)
