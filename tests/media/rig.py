"""A media room on loopback: the controller (its web face and OSC input, real sockets), a
library of random files, and each player's media agent as its own process
(`python -m showctl.player.mediasync`, as `showctl player --media-token` starts it),
each with its own media directory. Hashes are checked here with hashlib, apart from the
product's code."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.model.media import MediaReport
from showctl.osc import OscServer
from showctl.web.app import WebServer
from tests.support import SMALL_SHOW, write_config
from tests.web.conftest import web_section


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class MediaRoom:
    root: Path
    controller: Controller
    web: WebServer
    osc: OscServer
    library: Path
    agents: dict[str, asyncio.subprocess.Process] = field(default_factory=dict)
    reports: list[MediaReport] = field(default_factory=list)
    _news: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def venue_path(self) -> str:
        return str(self.controller.config.venue.source)

    def pc(self, device: str) -> Path:
        return self.root / "pcs" / device

    def heard(self, report: MediaReport) -> None:
        self.reports.append(report)
        self._news.set()

    async def until(self, check: Callable[[], Any], timeout: float = 60.0) -> Any:
        """Waits on the agents' reports until `check()` is true (returned)."""
        async with asyncio.timeout(timeout):
            while not (result := check()):
                self._news.clear()
                await self._news.wait()
        return result

    def row(self, device: str) -> dict[str, Any]:
        rows = self.controller.media_status(device)["players"]
        assert len(rows) == 1
        row: dict[str, Any] = rows[0]
        return row

    async def start_agent(self, device: str) -> asyncio.subprocess.Process:
        token = self.root / "tokens" / device
        token.parent.mkdir(exist_ok=True)
        token.write_text(self.controller.media.token(device) + "\n")
        self.pc(device).mkdir(parents=True, exist_ok=True)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "showctl.player.mediasync", "--url", self.web.url,
            "--device", device, "--token-file", str(token), "--media", str(self.pc(device)),
            "--parent", str(os.getpid()), stderr=asyncio.subprocess.PIPE)
        self.agents[device] = process
        return process

    async def kill_agent(self, device: str) -> None:
        process = self.agents.pop(device)
        process.send_signal(signal.SIGKILL)
        await process.wait()

    async def close(self) -> None:
        for process in self.agents.values():
            with contextlib.suppress(ProcessLookupError):
                process.terminate()
        for process in self.agents.values():
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                process.kill()
                await process.wait()
        await self.osc.stop()
        await self.web.stop()
        await self.controller.close()


def make_library(library: Path, sizes: dict[str, int]) -> None:
    library.mkdir(parents=True, exist_ok=True)
    for name, size in sizes.items():
        (library / name).write_bytes(os.urandom(size))


async def media_room(root: Path, *, screens: int = 9, sizes: dict[str, int] | None = None,
                     media: dict[str, Any] | None = None) -> MediaRoom:
    library = root / "library"
    make_library(library, sizes if sizes is not None else {
        **{f"pano_{i}.mp4": 256_000 + 1000 * i for i in range(1, screens + 1)},
        "f.mp4": 100_000})
    path = write_config(root, screens=screens, shows=[SMALL_SHOW], venue_extra={
        "web": web_section(), "media": {"root": str(library), **(media or {})}})
    controller = Controller(load_config(path), SystemClock())
    web, osc = WebServer(controller), OscServer(controller)
    await web.start()
    await osc.start()
    room = MediaRoom(root, controller, web, osc, library)
    controller.media.listeners.append(room.heard)
    return room
