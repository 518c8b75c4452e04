"""A whole room in-process for browser tests: Controller, simulated screens sending real
heartbeats over UDP, and the WebServer, all on free loopback ports."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from showctl.core.clock import Clock, SystemClock
from showctl.core.controller import Controller
from showctl.core.errors import NotFound
from showctl.files.loader import load_config
from showctl.sim.simulator import Simulator, parse
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


class _Heartbeats(asyncio.DatagramProtocol):
    """Stands in for the OSC face's /showctl/heartbeat: the simulator's real datagrams
    become the Controller's public `heartbeat` call."""

    def __init__(self, controller: Controller) -> None:
        self.controller = controller

    def datagram_received(self, data: bytes, addr: Any) -> None:
        with contextlib.suppress(ValueError, NotFound):
            for _, address, args in parse(data):
                if address == "/showctl/heartbeat" and args:
                    self.controller.heartbeat(str(args[0]))


@dataclass
class Rig:
    root: Path
    controller: Controller
    sim: Simulator
    web: WebServer
    heartbeats: asyncio.DatagramTransport

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
        self.heartbeats.close()
        await self.controller.close()


async def open_rig(root: Path, shows: list[dict] | None = None, clock: Clock | None = None,
                   venue: dict | None = None) -> Rig:
    """`venue`: keys to set in venue.yaml besides the generated ones."""
    venue_path = write_config(root, shows=shows or [RING_SHOW],
                              venue_extra={"web": web_section(), **(venue or {})})
    config = load_config(venue_path)
    controller = Controller(config, clock or SystemClock())
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: _Heartbeats(controller), local_addr=("127.0.0.1", 0))
    sim = Simulator(config.venue, transport.get_extra_info("sockname")[:2],
                    report=lambda device, line: None)
    await sim.start()
    server = WebServer(controller)
    await server.start()
    return Rig(root, controller, sim, server, transport)
