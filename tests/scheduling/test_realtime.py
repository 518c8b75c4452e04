"""One real-time start: a show scheduled two seconds ahead, on the real clock, must have
its first cue reach a UDP receiver on time (generous bound: precision is for bench/)."""

from __future__ import annotations

import asyncio
import math
import time
from datetime import datetime

from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.scheduling.runner import ScheduleRunner
from tests.scheduling.room import PARIS
from tests.support import write_config


class ShiftedClock(SystemClock):
    """The real clock, its wall time shifted so that a whole minute is 2 s away."""

    def __init__(self, shift: float) -> None:
        self.shift = shift

    def time(self) -> float:
        return time.time() + self.shift


class FirstCue(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.arrived: asyncio.Future[float] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr) -> None:
        first_cue = b"/showctl/lights/cue" in data and b"house-out" in data
        if first_cue and not self.arrived.done():
            self.arrived.set_result(time.monotonic())


async def test_a_scheduled_show_starts_on_time_on_the_real_clock(tmp_path):
    now = time.time()
    start = math.ceil((now + 2) / 60) * 60  # a whole minute, at least 2 s ahead
    clock = ShiftedClock(start - (now + 2))  # ... and made exactly 2 s ahead
    local = datetime.fromtimestamp(start, PARIS)
    schedule = {"special": [{"date": local.date().isoformat(),
                             "shows": [{"show": "small", "times": [f"{local:%H:%M}"]}]}],
                "policy": {"preload": 1}}
    venue = write_config(tmp_path, screens=3, schedule=schedule)
    config = load_config(venue)
    lights = config.venue.device("lights")
    loop = asyncio.get_running_loop()
    transport, receiver = await loop.create_datagram_endpoint(
        FirstCue, local_addr=(lights.host, lights.port))
    controller = Controller(config, clock)
    runner = ScheduleRunner(controller, clock)
    expected = time.monotonic() + (start - clock.time())
    await runner.start()
    try:
        arrived = await asyncio.wait_for(receiver.arrived, timeout=10)
    finally:
        await runner.stop()
        await controller.close()
        transport.close()
    assert abs(arrived - expected) < 0.050, f"first cue {1000 * (arrived - expected):+.1f} ms"
