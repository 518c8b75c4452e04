"""The simulator as `showctl run --simulate` uses it: in-process with a controller on
the real clock, honouring the controller's bundle timetags."""

import asyncio
import time

from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.sim import Simulator
from tests.support import write_config

SHOW = {"id": "mini", "preroll": 0.2, "cues": [
    {"id": "1", "at": 0, "name": "Out", "lights": {"cue": "house-out", "fade": 1}},
    {"id": "2", "at": 0.3, "name": "Pano", "screens": "all", "play": {"media": "p_{screen}.mp4"}},
    {"id": "3", "at": 0.8, "name": "Front", "screens": "front", "play": {"media": "f.mp4",
                                                                         "from": 10}},
]}


async def test_simulated_devices_follow_a_show_at_the_cue_instants(tmp_path):
    config = load_config(write_config(tmp_path, shows=[SHOW]))
    acted: asyncio.Queue[tuple[float, str, str]] = asyncio.Queue()
    sim = Simulator(config.venue, None,
                    report=lambda device, line: acted.put_nowait((time.time(), device, line)))
    await sim.start()
    controller = Controller(config, SystemClock())
    cues: dict[str, float] = {}
    controller.bus.subscribe(
        lambda e: e.kind == "cue" and cues.setdefault(e.data["cue"], e.data["deadline_wall"]))
    try:
        controller.start("mini", by="test")
        lines = []
        while {d for _, d, line in lines if "f.mp4" in line} != {"screen1", "screen9"}:
            lines.append(await asyncio.wait_for(acted.get(), 5))
        plays = [(t, d) for t, d, line in lines if "/play 'p_" in line]
        assert sorted(d for _, d in plays) == sorted(f"screen{n}" for n in range(1, 10))
        assert all(abs(t - cues["2"]) < 0.05 for t, _ in plays), "acted at the cue instant"
        front = sim.devices["screen1"]
        assert (front.state, front.media) == ("playing", "f.mp4")
        assert 10.0 <= front.position < 10.5
        assert sim.devices["screen5"].media == "p_5.mp4"
        assert sim.devices["lights"].lights == "house-out"
    finally:
        await controller.close()
        await sim.stop()
