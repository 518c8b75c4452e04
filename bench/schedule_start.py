"""How exactly a scheduled show starts: scheduled instant -> first cue at the device.

A receiver in its own process (blocking recvfrom, CLOCK_MONOTONIC is system-wide) time-
stamps the first cue's datagram. Three ways of starting the same show, same run:

* naive: an APScheduler job at the start time calls `controller.start(show)`
  (what a CronTrigger job gives: the screens' preroll comes after the start);
* early job: an APScheduler job at start - preroll calls `controller.start(show)`
  (preroll accounted for, APScheduler's `call_later` timing);
* showctl: `ScheduleRunner` (preload, then `go(at=<the start's monotonic instant>)`).

Run: .venv/bin/python bench/schedule_start.py [--trials N]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from apscheduler.schedulers.asyncio import AsyncIOScheduler

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.scheduling.runner import ScheduleRunner
from tests.support import SMALL_SHOW, write_config

PARIS = ZoneInfo("Europe/Paris")
LEAD = 1.5  # seconds from setting up a start to the start
RECEIVER = """
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("ready", flush=True)
while True:
    data = s.recv(65536)
    if b"/showctl/lights/cue" in data and b"house-out" in data:
        print(repr(time.monotonic()), flush=True)
"""


class ShiftedClock(SystemClock):
    """The real clock with its wall time shifted, so a whole minute is LEAD seconds away."""

    def __init__(self, shift: float) -> None:
        self.shift = shift

    def time(self) -> float:
        return time.time() + self.shift


async def arrival(receiver: subprocess.Popen[str]) -> float:
    assert receiver.stdout is not None
    line = await asyncio.wait_for(asyncio.to_thread(receiver.stdout.readline), timeout=10)
    return float(line)


async def showctl_trial(root: Path, receiver: subprocess.Popen[str]) -> float:
    now = time.time()
    start = math.ceil((now + LEAD) / 60) * 60
    clock = ShiftedClock(start - (now + LEAD))
    local = datetime.fromtimestamp(start, PARIS)
    schedule = {"special": [{"date": local.date().isoformat(),
                             "shows": [{"show": "small", "times": [f"{local:%H:%M}"]}]}],
                "policy": {"preload": 1}}
    config = load_config(_venue(root, schedule))
    controller = Controller(config, clock)
    runner = ScheduleRunner(controller, clock)
    expected = time.monotonic() + (start - clock.time())
    await runner.start()
    try:
        return await arrival(receiver) - expected
    finally:
        await runner.stop()
        await controller.close()


async def apscheduler_trial(root: Path, receiver: subprocess.Popen[str], early: float) -> float:
    controller = Controller(load_config(_venue(root, {})), SystemClock())
    scheduler = AsyncIOScheduler(timezone=PARIS)
    expected = time.monotonic() + LEAD
    run_date = datetime.now(PARIS) + timedelta(seconds=LEAD - early)

    async def fire() -> None:  # a coroutine job runs on the loop (a plain one in a thread)
        controller.start("small", by="schedule")

    scheduler.add_job(fire, "date", run_date=run_date, misfire_grace_time=10)
    scheduler.start()
    try:
        return await arrival(receiver) - expected
    finally:
        scheduler.shutdown(wait=False)
        await controller.close()


def _venue(root: Path, schedule: dict) -> Path:
    """The same venue (ports kept) with this trial's schedule."""
    path = root / "config" / "venue.yaml"
    if not path.exists():
        write_config(root, screens=9, shows=[SMALL_SHOW], schedule=schedule)
    else:
        (root / "config" / "schedule.yaml").write_text(yaml.safe_dump(schedule))
    return path


def summary(name: str, errors: list[float]) -> str:
    ms = sorted(1000 * e for e in errors)
    return (f"{name:<48} n={len(ms):<3} mean {statistics.mean(ms):+8.3f} ms  "
            f"median {statistics.median(ms):+8.3f} ms  worst {max(ms, key=abs):+8.3f} ms")


async def main(trials: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        venue = load_config(_venue(root, {})).venue
        port = venue.device("lights").port
        receiver = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)],
                                    stdout=subprocess.PIPE, text=True)
        try:
            assert receiver.stdout is not None and receiver.stdout.readline() == "ready\n"
            preroll = SMALL_SHOW["preroll"]
            results = {"naive: APScheduler job at the start": [],
                       f"early job: APScheduler at start - {preroll} s preroll": [],
                       "showctl: ScheduleRunner preload + go(at)": []}
            names = list(results)
            for _ in range(trials):
                results[names[0]].append(await apscheduler_trial(root, receiver, 0.0))
                results[names[1]].append(await apscheduler_trial(root, receiver, preroll))
                results[names[2]].append(await showctl_trial(root, receiver))
        finally:
            receiver.kill()
            receiver.wait(timeout=5)
    print("scheduled start -> first cue datagram at the device (positive = late)")
    for name, errors in results.items():
        print(summary(name, errors))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=8)
    asyncio.run(main(parser.parse_args().trials))
