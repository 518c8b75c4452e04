"""A whole room in-process for browser tests: the Controller, its OSC input, simulated
screens (whose heartbeats reach the OSC input over UDP) and the WebServer, all on free
loopback ports."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from showctl.core.clock import Clock, SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.osc.server import OscServer
from showctl.sim.simulator import Simulator
from showctl.web import WebServer
from tests.support import write_config
from tests.web.conftest import web_section

CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

RING_SHOW = {
    "id": "ring", "title": "Ring test show", "preroll": 0.3,
    "cues": [
        {"id": "1", "at": 0, "name": "House out", "lights": {"cue": "house-out", "fade": 1}},
        {"id": "2", "at": 0.5, "name": "Panorama", "screens": "all",
         "play": {"media": "pano_{screen}.mp4"}},
        {"id": "3", "at": 1, "name": "Front", "screens": "front", "play": {"media": "front.mp4"}},
        {"id": "4", "at": 60, "name": "End", "screens": "all", "black": {"fade": 1}},
    ],
}


@dataclass
class Rig:
    root: Path
    controller: Controller
    sim: Simulator
    web: WebServer
    osc: OscServer

    @property
    def url(self) -> str:
        return self.web.url

    async def restart_web(self) -> None:
        await self.web.stop()
        self.web = WebServer(self.controller)
        await self.web.start()

    async def close(self) -> None:
        await self.web.stop()
        await self.sim.stop()
        await self.osc.stop()
        await self.controller.close()


async def open_rig(root: Path, shows: list[dict] | None = None, clock: Clock | None = None,
                   venue: dict | None = None, extra_devices: list[dict] | None = None) -> Rig:
    """`venue`: keys to set in venue.yaml besides the generated ones; `extra_devices`:
    devices beside the generated screens and lights."""
    venue_path = write_config(root, shows=shows or [RING_SHOW],
                              venue_extra={"web": web_section(), **(venue or {})})
    if extra_devices:
        written = yaml.safe_load(venue_path.read_text())
        written["devices"] += extra_devices
        venue_path.write_text(yaml.safe_dump(written))
    config = load_config(venue_path)
    controller = Controller(config, clock or SystemClock())
    osc = OscServer(controller)
    await osc.start()
    sim = Simulator(config.venue, config.venue.osc.listen, report=lambda device, line: None)
    await sim.start()
    server = WebServer(controller)
    await server.start()
    return Rig(root, controller, sim, server, osc)
