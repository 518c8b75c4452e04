"""No false NOT READY at start-up (issue 22, point 3): a controller (re)started within
the check's lead before the first show used to check 20 ms in, before any device had
reported, and found all of them "not answering". The start-up check now waits until
every device is online or each had the liveness timeout to report, and finds only what
is still wrong then. PJLink projectors emulated on 127.0.0.1, a FakeClock."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from tests.room.rig import open_power_room

SCHEDULE = {"shows": [{"show": "small", "times": ["10:00"]}]}  # no power plan: always on
TIMEOUT = 5.0


def checks(room) -> list[tuple[float, bool, list[str]]]:
    return [(at, d["ready"], [f"{f['device']}: {f['message']}" for f in d["findings"]])
            for at, kind, d in room.events if kind == "check"]


async def test_a_restart_before_the_first_show_checks_once_devices_reported(tmp_path: Path):
    room = await open_power_room(tmp_path, SCHEDULE, datetime(2026, 5, 6, 9, 50),
                                 heartbeat_timeout=TIMEOUT, projectors=0)
    started = room.clock.time()
    try:
        assert checks(room) == []  # not at once: nobody could have reported yet
        await room.clock.advance(1.0)
        for screen in ("screen1", "screen2", "screen3", "lights"):
            room.controller.heartbeat(screen)
        await room.run_until(datetime(2026, 5, 6, 9, 50, 10), step=0.25)
        found = checks(room)
        assert len(found) == 1, found
        assert found[0][1] is True, found  # READY: nothing is wrong once they reported
        check = room.controller.status()["check"]
        assert 1.0 <= check["at"] - started <= TIMEOUT
    finally:
        await room.close()


async def test_a_device_still_silent_after_the_timeout_is_the_only_finding(tmp_path: Path):
    room = await open_power_room(tmp_path, SCHEDULE, datetime(2026, 5, 6, 9, 50),
                                 heartbeat_timeout=TIMEOUT, projectors=0)
    started = room.clock.time()
    try:
        await room.clock.advance(1.0)
        for screen in ("screen1", "screen2", "lights"):  # screen3 never answers
            room.controller.heartbeat(screen)
        await room.run_until(datetime(2026, 5, 6, 9, 50, 10), step=0.25)
        found = checks(room)
        assert len(found) == 1, found
        ready, findings = found[0][1], found[0][2]
        assert ready is False
        assert [f for f in findings if not f.startswith("screen3")] == [], findings
        assert room.controller.status()["check"]["at"] - started >= TIMEOUT - 0.01
    finally:
        await room.close()


