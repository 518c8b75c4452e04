"""Two controllers (docs/standby.md): a player follows clocks of the newest epoch it has
seen only; an older controller's clock, however wrong, moves nothing."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.player.conftest import needs_mpv, on_line
from tests.player.test_player_mpv import _playing

pytestmark = [needs_mpv, pytest.mark.timeout(60)]


def clock(room, at_start, epoch, push=0.0):
    now = time.time()
    position = 2.0 + now - at_start + push
    room.send("screen1", now, ("/showctl/player/clock", position, "clip.mp4", position, epoch))


async def test_a_clock_from_an_older_epoch_is_refused(room):
    device = room.player.devices["screen1"]
    watcher, at = await _playing(room, lead=0.2)
    await asyncio.sleep(0.5)
    clock(room, at, 5)
    await watcher.until(lambda: device.epoch == 5, timeout=5)
    clock(room, at, 3, push=2.0)  # the old controller, two seconds off: refused
    await watcher.until(lambda: device.stale_clocks == 1, timeout=5)
    refused = time.time()
    await asyncio.sleep(1.0)
    assert on_line(watcher.error(at, 2.0, refused)), "an old epoch's clock moved the player"
    clock(room, at, 6, push=1.0)  # the newer controller's word is followed
    await watcher.until(lambda: device.epoch == 6, timeout=5)
    for _ in range(3):  # statuses once a second: the seek shows in one of the next
        if (await room.status("screen1")).seeks >= 1:
            break
    else:
        raise AssertionError("the newer epoch's clock, a second off, was not followed")
