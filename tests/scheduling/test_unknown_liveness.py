"""SPEC 7.1 under `if_devices_missing: skip`: a device that cannot say it is there
(`unknown` liveness: Resolume, grandMA3 over OSC) is shown but never missing, so a room
made only of such products plays its shows; an Eos console, which answers `/eos/ping`
on its connection, that stays silent is missing, and the start is skipped with why."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import yaml

from showctl.core.clock import FakeClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.scheduling.runner import ScheduleRunner
from tests.scheduling.room import PARIS, Setup
from tests.support import free_port, write_config

SHOW = {"id": "wall", "title": "Wall", "preroll": 0.5, "duration": 20, "cues": [
    {"id": "1", "at": 0, "name": "Look", "lights": {"cue": "5"}},
    {"id": "2", "at": 1, "name": "Clip", "screens": "all", "play": {"media": "3"}}]}
SCHEDULE = {"shows": [{"show": "wall", "times": ["10:00"]}],
            "policy": {"if_devices_missing": "skip"}}


async def open_room(root: Path, lighting: dict) -> Setup:
    path = write_config(root, screens=2, shows=[SHOW], schedule=SCHEDULE)
    raw = yaml.safe_load(path.read_text())
    raw["devices"] = [
        {"id": f"screen{i}", "kind": "screen", "index": i, "host": "127.0.0.1",
         "port": free_port(), "profile": "resolume"} for i in (1, 2)] + [
        {"id": "desk", "kind": "lighting", "host": "127.0.0.1", **lighting}]
    raw["safe_look"] = {"lights": "99", "fade": 0}
    path.write_text(yaml.safe_dump(raw))
    clock = FakeClock(wall=datetime(2026, 5, 4, 9, 59, 0, tzinfo=PARIS).timestamp())
    controller = Controller(load_config(path), clock)
    setup = Setup(clock, controller, ScheduleRunner(controller, clock), path, None)
    controller.bus.subscribe(lambda e: setup.events.append((clock.time(), e.kind, e.data)))
    await setup.runner.start()
    return setup


async def test_a_room_of_products_that_cannot_answer_plays_its_shows(tmp_path):
    setup = await open_room(tmp_path, {"port": free_port(), "profile": "grandma3"})
    try:
        devices = {d["id"]: d for d in setup.controller.status()["devices"]}
        assert {d: v["liveness"] for d, v in devices.items()} == {
            "screen1": "unknown", "screen2": "unknown", "desk": "unknown"}
        assert "Resolume's OSC output sends what changes" in devices["screen1"]["liveness_note"]
        assert devices["desk"]["offline_reason"] is None
        check = await setup.controller.check(by="test")  # shown, never missing
        assert not [f for f in check.findings if f.kind == "offline"], check.findings
        await setup.clock.advance(90)  # 10:00:30
    finally:
        await setup.close()
    assert setup.runs("skip") == []
    assert [f[11:16] for f in setup.firsts()] == ["10:00"]


async def test_a_silent_eos_is_missing_and_the_start_is_skipped_with_why(tmp_path):
    # Eos at its factory transport (TCP, length-prefixed) on a port nobody listens on
    setup = await open_room(tmp_path, {"port": free_port(), "profile": "eos"})
    try:
        desk = setup.controller.status()["devices"][-1]
        assert desk["liveness"] == "offline" and desk["liveness_by"] == "answers"
        check = await setup.controller.check(by="test")
        assert [(f.device, f.kind) for f in check.findings if f.kind == "offline"] == [
            ("desk", "offline")]
        await setup.clock.advance(90)
    finally:
        await setup.close()
    assert [(r["scheduled"][11:16], r["reason"]) for r in setup.runs("skip")] == [
        ("10:00", "1 of 3 devices offline (desk) (if_devices_missing: skip)")]
    assert setup.firsts() == []
