"""The Controller's non-transport API: status shape, liveness, schedule hold, counters,
reload."""

import asyncio
import weakref

import pytest
import yaml

from showctl.core.errors import NotFound
from tests.core.room import MONO0, WALL0, open_room
from tests.support import SMALL_SHOW


async def test_status_has_the_documented_shape(room):
    c, clock = room.controller, room.clock
    s = c.status()
    assert s["state"] == "idle" and s["show"] is None and s["remaining"] is None
    assert s["venue"] == "test-room" and s["timezone"] == "Europe/Paris"
    c.load("small", by="operator:ann")
    c.go(by="operator:ann")
    assert c.status()["time"] == -0.5
    await clock.advance(0.5 + 1.25)
    s = c.status()
    assert s["state"] == "running" and s["started_by"] == "operator:ann"
    assert s["show"] == {"id": "small", "title": "Small test show", "length": 3.5, "load": 1}
    assert s["time"] == 1.25 and s["remaining"] == 2.25
    assert s["current_cue"] == {"id": "2", "name": "Panorama", "at": 1.0}
    assert s["next_cue"] == {"id": "3", "name": "Front", "at": 2.0}
    screen = s["devices"][0]
    assert screen == {"id": "screen1", "kind": "screen", "index": 1, "angle": 0.0,
                      "online": False, "last_seen": None, "offline_since": None,
                      "offline_reason": "never heard from: no heartbeat since the controller "
                                        "started", "liveness_note": None,
                      "liveness": "offline", "liveness_by": "heartbeat", "said": {},
                      "output": {"state": "playing", "media": "pano_1.mp4", "position": 0.25},
                      "confirmed": None, "mismatch": None}
    assert s["lighting"] == {"lights": {"cue": "house-out", "fade": 1.0}, "levels": {}}
    assert s["schedule"] == {"held": False, "next": None, "today": []}
    assert c.busy and c.show.id == "small"


async def test_heartbeats_bring_devices_online_and_silence_takes_them_offline(room):
    c, clock = room.controller, room.clock
    c.heartbeat("screen3")
    assert room.kinds("device") == [{"device": "screen3", "online": True, "last_seen": WALL0}]
    c.heartbeat("screen3")
    assert len(room.kinds("device")) == 1, "only changes are events"
    status = {d["id"]: d for d in c.status()["devices"]}
    assert status["screen3"]["online"] and status["screen3"]["last_seen"] == WALL0
    await clock.advance(4.0)
    c.heartbeat("screen3")
    await clock.advance(4.9)
    assert room.kinds("device")[-1]["online"] is True
    await clock.advance(1.2)  # silent for longer than heartbeat_timeout (5 s)
    assert room.kinds("device")[-1] == {"device": "screen3", "online": False,
                                        "last_seen": WALL0 + 4.0,
                                        "reason": "no heartbeat for 5 s"}
    screen3 = {d["id"]: d for d in c.status()["devices"]}["screen3"]
    assert screen3["offline_reason"] == "no heartbeat for 5 s"
    assert WALL0 + 9.0 < screen3["offline_since"] <= WALL0 + 10.1
    assert MONO0 + 4.0 + 5.0 < room.events[-1][0] <= MONO0 + 4.0 + 5.0 + 1.0
    with pytest.raises(NotFound, match="no device 'ghost'"):
        c.heartbeat("ghost")


async def test_a_reloaded_heartbeat_timeout_applies_while_devices_are_online(room):
    c, clock = room.controller, room.clock
    c.heartbeat("screen3")
    await clock.advance(0.5)
    path = c.config.venue.source
    path.write_text(path.read_text().replace("osc:", "osc:\n  heartbeat_timeout: 2.0", 1))
    assert await c.reload() == [] and c.venue.osc.heartbeat_timeout == 2.0
    await clock.advance(3.0)  # silent 3.5 s: offline under the new 2 s, not the old 5 s
    assert room.kinds("device")[-1]["online"] is False


async def test_a_reload_keeps_what_the_devices_do(room):
    c, clock = room.controller, room.clock
    c.heartbeat("screen3")
    c.load("small", by="test")
    c.go(by="test")
    await clock.advance(2.0)
    c.stop(0, by="test")
    await clock.advance(0)
    before = c.status()
    assert before["lighting"]["lights"]["cue"] == "house-up"
    assert {d["output"]["state"] for d in before["devices"] if d["kind"] == "screen"} == {"black"}
    assert await c.reload() == []  # the same files: nothing about the room changed
    after = c.status()
    assert after["devices"] == before["devices"] and after["lighting"] == before["lighting"]


async def test_a_venue_reloaded_during_a_show_takes_over_once_it_ends(room):
    c, clock = room.controller, room.clock
    c.load("small", by="test")
    c.go(by="test")
    await clock.advance(1.0)
    path = c.config.venue.source
    path.write_text(path.read_text().replace("osc:", "osc:\n  heartbeat_timeout: 2.0", 1))
    assert await c.reload() == []
    assert c.venue.osc.heartbeat_timeout == 5.0  # the running show keeps its venue
    c.stop(0, by="test")
    assert c.state == "idle" and c.venue.osc.heartbeat_timeout == 2.0  # not at the next load


async def test_schedule_hold_counters_and_schedule_info(room):
    c = room.controller
    c.hold_schedule(by="operator:ann")
    assert c.schedule_held and room.kinds("schedule")[-1]["held"] is True
    c.set_schedule_info({"next": {"at": "2026-11-24T10:30:00+01:00", "show": "small"},
                         "today": [{"at": "x", "show": "small", "status": "due"}]})
    c.release_schedule(by="operator:ann")
    s = c.status()["schedule"]
    assert s["held"] is False and s["next"]["show"] == "small" and len(s["today"]) == 1
    c.count("osc.received")
    c.count("osc.received", 2)
    assert c.status()["counters"] == {"osc.received": 3}


async def test_reload_keeps_the_old_files_when_new_ones_are_invalid(room):
    c = room.controller
    source = c.config.venue.source
    show_path = c.config.show_paths["small"]
    show = yaml.safe_load(show_path.read_text())
    show["title"] = "Renamed"
    show_path.write_text(yaml.safe_dump(show))
    assert await c.reload() == []
    assert c.config.shows["small"].title == "Renamed"
    show_path.write_text("id: small\ncues: []\n")
    errors = await c.reload()
    assert errors and all(str(show_path) in line for line in errors)
    assert c.config.shows["small"].title == "Renamed" and c.config.venue.source == source


async def test_a_reload_lets_go_of_the_replaced_files_a_slice_at_a_time(tmp_path):
    """Freeing a 10,000-cue show at once held the loop 9-17 ms (bench/reload.py): the
    files a reload replaced are let go of over many turns of the loop, none of them the
    reload's own."""
    big = {"id": "big", "cues": [{"id": str(n), "at": n / 10, "lights": {"cue": "5"}}
                                 for n in range(5000)]}
    room = await open_room(tmp_path, shows=[SMALL_SHOW, big])
    try:
        c = room.controller
        old_show = weakref.ref(c.config.shows["big"])
        old_cues = [weakref.ref(cue) for cue in c.config.shows["big"].cues]
        assert await c.reload() == []
        assert old_show() is not None, "freed at once, on the reload's turn of the loop"
        turns = 0
        async with asyncio.timeout(10):
            while any(cue() is not None for cue in old_cues):
                await asyncio.sleep(0)
                turns += 1
        assert old_show() is None and turns > 1
        assert len(c.config.shows["big"].cues) == 5000  # the files in force are whole
    finally:
        await room.close()
