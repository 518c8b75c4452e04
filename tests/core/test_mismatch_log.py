"""A burst of "not as told" is one line per device, in plain words (issue 22, point 4):
players' reports fed to a real Controller on a FakeClock, the Events lines read off the
bus (`log` events), as the dashboard and the journal get them."""

from __future__ import annotations

import pytest

from showctl.core import events
from showctl.core.mismatchlog import plain
from showctl.model.player_status import PlayerStatus
from tests.core.room import open_room

LONG = {"id": "long", "preroll": 0.5, "cues": [
    {"id": "1", "at": 0, "screens": "all", "play": {"media": "m_{screen}.mp4"}},
    {"id": "2", "at": 600, "screens": "all", "black": {"fade": 0}}]}


def lines(room) -> list[str]:
    return [e.data["message"] for e in room.seen if e.kind == events.LOG
            and ("told" in e.data["message"] or "player" in e.data["message"])]


@pytest.fixture
async def room(tmp_path):
    room = await open_room(tmp_path, shows=[LONG])
    room.seen = []
    room.controller.bus.subscribe(room.seen.append)
    yield room
    await room.close()


def report(room, device: str, state: str, media: str | None = None, *,
           error_ms: float | None = 0.0, restarts: int = 0, position: float | None = 1.0) -> None:
    room.controller.player_status(PlayerStatus(
        device=device, state=state, media=media, position=position, sync_error_ms=error_ms,
        mpv_restarts=restarts))


async def playing(room):
    room.controller.start("long", by="test")
    await room.clock.advance(3.0)  # preroll and cue 1: every screen told to play
    told = room.controller.status()["devices"]
    return {d["id"]: d["output"]["media"] for d in told if d["output"].get("state") == "playing"}


async def test_a_player_that_crashed_and_came_back_is_one_plain_line(room):
    media = await playing(room)
    device = next(iter(media))
    report(room, device, "playing", media[device])
    for _ in range(3):  # its mpv died: dark, then restarted at its position
        await room.clock.advance(0.4)
        report(room, device, "idle", error_ms=None)
    await room.clock.advance(0.4)
    report(room, device, "playing", media[device], restarts=1)
    found = lines(room)
    assert len(found) == 1, found
    assert found[0] == f"{device}'s player restarted, dark 1.2 s"


async def test_a_seek_burst_of_small_offsets_says_nothing_and_a_long_one_once(room):
    media = await playing(room)
    for device, name in media.items():  # every screen catches up within a second
        report(room, device, "playing", name, error_ms=90.0)
    assert all(d["mismatch"] for d in room.controller.status()["devices"] if d["id"] in media)
    await room.clock.advance(0.8)
    for device, name in media.items():
        report(room, device, "playing", name, error_ms=0.0)
    assert lines(room) == []  # drift correction did its job: no line
    assert room.controller.status()["devices"][0]["mismatch"] is None
    device = next(iter(media))
    for _ in range(6):  # one that stays off: said once after 2 s, and its end once
        report(room, device, "playing", media[device], error_ms=-120.0)
        await room.clock.advance(0.5)
    report(room, device, "playing", media[device], error_ms=0.0)
    assert lines(room) == [f"{device} is not as told for 2 s: 120 ms behind (3.0 frames)",
                           f"{device} as told again after 3.0 s"]


async def test_plain_words() -> None:
    assert plain("idle, told playing") == "dark (idle), told to play"
    assert plain("black, told paused") == "black, told to be paused"
    assert plain("plays 'b.mp4', told 'a.mp4'") == "plays 'b.mp4' instead of 'a.mp4'"
    assert plain("+45 ms off (1.1 frames)") == "45 ms ahead (1.1 frames)"
