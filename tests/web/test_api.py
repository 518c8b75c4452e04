"""Every endpoint of SPEC 4 against a real Controller on a FakeClock, over real HTTP."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from showctl.core.clock import FakeClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.history import History
from showctl.web import make_app
from tests.support import write_config
from tests.web.conftest import bearer, web_section

OP = bearer("operator")


async def post(client, path, body=None, *, status=200):
    res = await client.post(path, json=body, headers=OP)
    reply = await res.json()
    assert res.status == status, reply
    return reply


async def state(client) -> str:
    return (await (await client.get("/api/status", headers=OP)).json())["state"]


async def test_status_is_the_controllers_status(client, controller):
    got = await (await client.get("/api/status", headers=OP)).json()
    assert got["venue"] == "test-room" and got["state"] == "idle"
    assert [d["id"] for d in got["devices"]][:2] == ["screen1", "screen2"]
    assert got == controller.status()


async def test_shows_and_their_cue_sheets(client):
    shows = await (await client.get("/api/shows", headers=OP)).json()
    assert shows == [{"id": "small", "title": "Small test show", "length": 3.5, "cues": 4}]
    sheet = await (await client.get("/api/shows/small", headers=OP)).json()
    assert [c["id"] for c in sheet["cues"]] == ["1", "2", "3", "4"]
    assert sheet["cues"][1]["play"] == {"media": "pano_{screen}.mp4", "from": 0.0}
    assert sheet["cues"][1]["devices"] == [f"screen{i}" for i in range(1, 10)]
    assert sheet["cues"][2]["devices"] == ["screen1", "screen9"]
    res = await client.get("/api/shows/nope", headers=OP)
    assert res.status == 404 and "nope" in (await res.json())["error"]


CUE_SHEET_SHOW = {
    "id": "sheet", "title": "Every kind of cue", "preroll": "0:02",
    "cues": [
        {"id": "1", "at": 0, "name": "Guide spot", "lights": {"cue": "guide-spot", "fade": 3}},
        {"id": "2", "at": "0:03.5", "name": "Sky", "screens": "front",
         "play": {"media": "sky_{screen}.mp4", "from": "0:01.25"}},
        {"id": "3", "at": "1:10", "name": "HOLD - guide speaks", "hold": True},
        {"id": "4", "at": 71, "name": "Strike", "lights": {"cue": "lightning", "fade": 0}},
        {"id": "5", "at": 72, "name": "Haze", "lights": {"cue": "haze", "fade": "0:02"},
         "osc": {"device": "screen3", "address": "/fx/haze", "args": [1, "on"]}},
        {"id": "6", "at": 80, "name": "Out", "screens": [1, 2], "black": {}},
    ],
}


async def test_cue_sheet_is_each_cue_as_written_in_seconds(aiohttp_client, tmp_path):
    path = write_config(tmp_path, shows=[CUE_SHEET_SHOW], venue_extra={"web": web_section()})
    controller = Controller(load_config(path), FakeClock())
    try:
        client = await aiohttp_client(make_app(controller))
        sheet = await (await client.get("/api/shows/sheet", headers=OP)).json()
    finally:
        await controller.close()
    assert sheet["preroll"] == 2.0 and sheet["length"] == 80.0
    assert sheet["cues"] == [
        {"id": "1", "at": 0.0, "name": "Guide spot", "hold": False,
         "lights": {"cue": "guide-spot", "fade": 3.0}, "devices": ["lights"]},
        {"id": "2", "at": 3.5, "name": "Sky", "hold": False, "screens": "front",
         "play": {"media": "sky_{screen}.mp4", "from": 1.25}, "devices": ["screen1", "screen9"]},
        {"id": "3", "at": 70.0, "name": "HOLD - guide speaks", "hold": True, "devices": []},
        {"id": "4", "at": 71.0, "name": "Strike", "hold": False,
         "lights": {"cue": "lightning", "fade": 0.0}, "devices": ["lights"]},
        {"id": "5", "at": 72.0, "name": "Haze", "hold": False,
         "lights": {"cue": "haze", "fade": 2.0},
         "osc": [{"device": "screen3", "address": "/fx/haze", "args": [1, "on"]}],
         "devices": ["lights", "screen3"]},
        {"id": "6", "at": 80.0, "name": "Out", "hold": False, "screens": [1, 2],
         "black": {"fade": 0.0}, "devices": ["screen1", "screen2"]},
    ]


async def test_a_whole_show_through_the_api(client, controller):
    clock = controller.clock
    await post(client, "/api/transport/go", status=409)  # nothing loaded
    reply = await post(client, "/api/load", {"show": "small"})
    assert reply["status"]["state"] == "loaded"
    await post(client, "/api/transport/go")
    await clock.advance(0.5 + 1.2)
    assert await state(client) == "running"
    status = await (await client.get("/api/status", headers=OP)).json()
    assert status["current_cue"]["id"] == "2" and status["next_cue"]["id"] == "3"
    screen = status["devices"][0]["output"]
    assert screen["state"] == "playing" and screen["media"] == "pano_1.mp4"
    await post(client, "/api/transport/resume", status=409)
    await post(client, "/api/transport/pause")
    assert await state(client) == "paused"
    await post(client, "/api/transport/resume")
    assert await state(client) == "running"
    await post(client, "/api/transport/stop", {"fade": 0.5})
    await clock.advance(1.0)
    assert await state(client) == "idle"
    await post(client, "/api/transport/panic")
    assert await state(client) == "idle"


async def test_stop_fade_must_be_a_number(client):
    await post(client, "/api/load", {"show": "small"})
    for fade in ("slow", -1, True, 10_000):
        reply = await post(client, "/api/transport/stop", {"fade": fade}, status=400)
        assert "fade" in reply["error"]
    assert await state(client) == "loaded"


async def test_an_unknown_field_is_refused_and_changes_nothing(client):
    reply = await post(client, "/api/load", {"show": "small", "from": 3}, status=400)
    assert reply["error"] == 'unknown field "from": this request takes "show"'
    assert await state(client) == "idle"
    await post(client, "/api/load", {"show": "small"})
    reply = await post(client, "/api/transport/stop", {"fdae": 2}, status=400)
    assert reply["error"] == 'unknown field "fdae": this request takes "fade"'
    reply = await post(client, "/api/transport/go", {"at": 5}, status=400)
    assert reply["error"] == 'unknown field "at": this request takes no fields'
    assert await state(client) == "loaded"


async def test_unknown_transport_command_is_404(client):
    reply = await post(client, "/api/transport/rewind", status=404)
    assert "rewind" in reply["error"]


async def test_load_errors(client):
    assert "nope" in (await post(client, "/api/load", {"show": "nope"}, status=404))["error"]
    await post(client, "/api/load", {}, status=400)
    await post(client, "/api/load", ["small"], status=400)
    res = await client.post("/api/load", data=b"{not json", headers=OP)
    assert res.status == 400 and "JSON" in (await res.json())["error"]
    assert await state(client) == "idle"


async def test_load_while_running_is_refused(client, controller):
    await post(client, "/api/load", {"show": "small"})
    await post(client, "/api/transport/go")
    await controller.clock.advance(1.0)
    reply = await post(client, "/api/load", {"show": "small"}, status=409)
    assert "stop the show first" in reply["error"]


async def test_seek_to_a_cue_or_a_time(client, controller):
    await post(client, "/api/seek", {"to": 1}, status=409)  # nothing loaded
    await post(client, "/api/load", {"show": "small"})
    await post(client, "/api/transport/go")
    await controller.clock.advance(0.6)
    await post(client, "/api/transport/pause")
    assert (await post(client, "/api/seek", {"to": "cue:3"}))["status"]["time"] == 2.0
    reply = await post(client, "/api/seek", {"to": "3"}, status=400)  # cue 3 is at 2 s
    assert reply["error"].startswith("'3' is ambiguous: cue 3 (at 0:02.000) or 0:03.000?")
    assert (await post(client, "/api/seek", {"to": "time:3"}))["status"]["time"] == 3.0
    assert (await post(client, "/api/seek", {"to": "1:02"}, status=400))["error"].endswith(
        "outside the show (0 to 3.5 s)")  # not a cue id: a time
    assert (await post(client, "/api/seek", {"to": 1.25}))["status"]["time"] == pytest.approx(1.25)
    for bad in ({"to": "nope"}, {"to": 99}, {}, {"to": None}, {"to": [1]}):
        assert (await post(client, "/api/seek", bad, status=400))["error"]


async def test_fire_a_cue(client, controller):
    await post(client, "/api/cues/2/fire", status=409)  # nothing loaded
    await post(client, "/api/load", {"show": "small"})
    reply = await post(client, "/api/cues/2/fire")
    assert reply["status"]["devices"][4]["output"]["media"] == "pano_5.mp4"
    assert "9" in (await post(client, "/api/cues/9/fire", status=404))["error"]


async def test_schedule_hold_and_release(client, controller):
    controller.set_schedule_info({"next": {"at": "2026-11-24T10:30:00+01:00", "show": "small"},
                                  "today": []})
    got = await (await client.get("/api/schedule", headers=OP)).json()
    assert got["held"] is False and got["next"]["show"] == "small"
    await post(client, "/api/schedule/hold")
    assert controller.schedule_held
    assert (await (await client.get("/api/schedule", headers=OP)).json())["held"] is True
    await post(client, "/api/schedule/release")
    assert not controller.schedule_held
    assert (await client.post("/api/schedule/pause", headers=OP)).status == 404


async def test_history_lists_past_runs(aiohttp_client, controller, tmp_path):
    history = History(tmp_path / "history.sqlite", controller.bus, controller.clock)
    await history.start()
    try:
        client = await aiohttp_client(make_app(controller, history))
        await post(client, "/api/load", {"show": "small"})
        await post(client, "/api/transport/go")
        await controller.clock.advance(5.0)
        assert await state(client) == "idle"
        runs = await (await client.get("/api/history?limit=5", headers=OP)).json()
        assert runs and runs[0]["show"] == "small"
        assert "web:operator-bot" in str(runs[0])
        assert (await client.get("/api/history?limit=0", headers=OP)).status == 400
        assert (await client.get("/api/history?limit=x", headers=OP)).status == 400
    finally:
        await history.stop()


async def test_reading_the_history_never_holds_the_loop(aiohttp_client, controller, tmp_path):
    """While the history's writer holds the database (a commit waiting on fsync), a page
    asking for the history waits in a thread: the loop, and the cues on it, go on."""
    history = History(tmp_path / "history.sqlite", controller.bus, controller.clock)
    await history.start()
    held, release = threading.Event(), threading.Event()

    def writer_commits() -> None:
        with history._lock:
            held.set()
            release.wait(5.0)  # let go by itself, if the loop never gets to say so

    writer = threading.Thread(target=writer_commits)
    writer.start()
    try:
        client = await aiohttp_client(make_app(controller, history))
        assert await asyncio.to_thread(held.wait, 10.0)
        request = asyncio.ensure_future(client.get("/api/history", headers=OP))
        began = time.monotonic()
        with pytest.raises(asyncio.TimeoutError):  # it cannot finish while the lock is held
            await asyncio.wait_for(asyncio.shield(request), 0.5)
        assert time.monotonic() - began < 4.0, "the loop was held until the writer let go"
        release.set()
        assert (await request).status == 200
    finally:
        release.set()
        writer.join(10)
        await history.stop()


async def test_history_without_a_history_is_empty(client):
    assert await (await client.get("/api/history", headers=OP)).json() == []


async def test_unknown_api_path_is_a_json_404(client):
    res = await client.get("/api/nothing", headers=OP)
    assert res.status == 404 and "error" in await res.json()
    res = await client.get("/api/load", headers=OP)
    assert res.status == 405 and "error" in await res.json()
