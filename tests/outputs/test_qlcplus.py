"""The `qlcplus` profile against the real QLC+ (Debian's qlcplus 4.12), headless: a show
played by the controller changes DMX channels inside QLC+, read back through QLC+'s own
web API (its websocket, `QLC+API|getChannelsValues`).

The workspace (qlcplus/showctl-test.qxw) patches only an OSC input on 127.0.0.1; no
output plugin is patched, so QLC+ sends nothing anywhere. QLC+ runs with its own HOME
and a bounded life; its web server is asked until it answers, never slept for.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from pathlib import Path

import aiohttp
import pytest
import yaml

from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.outputs.profiles.qlcplus import checksum
from tests.support import free_port, write_config

pytestmark = [pytest.mark.timeout(60),
              pytest.mark.skipif(shutil.which("qlcplus") is None, reason="needs qlcplus")]
WORKSPACE = Path(__file__).parent / "qlcplus" / "showctl-test.qxw"
SHOW = {"id": "house", "preroll": 0, "duration": 30, "cues": [
    {"id": "1", "at": 0, "name": "Opening", "lights": {"cue": "opening"}},
    {"id": "2", "at": 0.3, "name": "House out", "lights": {"cue": "house-out"}},
]}


def test_the_workspace_binds_the_paths_the_profile_sends():
    text = WORKSPACE.read_text()
    bound = dict(re.findall(r'<Button Caption="([^"]+)".*?Channel="(\d+)"', text))
    assert bound == {cue: str(checksum(f"/showctl/cue/{cue}")) for cue in ("opening",
                                                                            "house-out")}
    assert 'UID="127.0.0.1"' in text and "<Output" not in text


class Qlc:
    def __init__(self, tmp: Path) -> None:
        self.osc_port, self.web_port = free_port(), free_port()
        self.workspace = tmp / "workspace.qxw"
        self.workspace.write_text(WORKSPACE.read_text().replace("INPUT_PORT",
                                                                str(self.osc_port)))
        self.home = tmp / "home"
        self.home.mkdir()

    async def __aenter__(self) -> Qlc:
        env = {**os.environ, "HOME": str(self.home), "QT_QPA_PLATFORM": "offscreen",
               "XDG_RUNTIME_DIR": str(self.home)}
        self.proc = await asyncio.create_subprocess_exec(
            "qlcplus", "-n", "-m", "-p", "-w", "-wp", str(self.web_port),
            "-o", str(self.workspace), env=env, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL)
        self.session = aiohttp.ClientSession()
        async with asyncio.timeout(30):
            while True:  # QLC+ says nothing when it is ready: its web server answers
                try:
                    self.ws = await self.session.ws_connect(
                        f"http://127.0.0.1:{self.web_port}/qlcplusWS")
                    break
                except aiohttp.ClientError:
                    assert self.proc.returncode is None, "qlcplus exited"
                    await asyncio.sleep(0.1)
        return self

    async def channels(self) -> list[int]:
        """DMX channels 1-4 of universe 1, as QLC+ has them now."""
        await self.ws.send_str("QLC+API|getChannelsValues|1|1|4")
        reply = (await self.ws.receive(timeout=5)).data
        fields = reply.split("|")[2:]
        return [int(fields[i + 1]) for i in range(0, 12, 3)]

    async def until(self, wanted: list[int]) -> None:
        async with asyncio.timeout(15):
            while (got := await self.channels()) != wanted:
                await asyncio.sleep(0.05)
        assert got == wanted

    async def __aexit__(self, *exc: object) -> None:
        # QLC+ first: it never answers a websocket close, which would wait for it
        if self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 5)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        await asyncio.wait_for(self.ws.close(), 5)
        await self.session.close()


async def test_a_show_cue_changes_dmx_inside_qlcplus(tmp_path):
    async with Qlc(tmp_path) as qlc:
        assert await qlc.channels() == [0, 0, 0, 0]
        path = write_config(tmp_path, screens=1, shows=[SHOW])
        raw = yaml.safe_load(path.read_text())
        raw["devices"] = [d for d in raw["devices"] if d["id"] != "lights"] + [
            {"id": "house", "kind": "lighting", "host": "127.0.0.1", "port": qlc.osc_port,
             "profile": "qlcplus"}]
        raw["safe_look"] = {"lights": "house-out", "fade": 0}
        path.write_text(yaml.safe_dump(raw))
        controller = Controller(load_config(path), SystemClock())
        try:
            controller.start("house", by="test")
            await qlc.until([255, 128, 0, 0])  # cue 1: the "opening" scene
            await qlc.until([0, 0, 0, 40])  # cue 2: "house-out"; the solo frame stopped 1
            controller.fire("1", by="test")  # fired again: the scene is back
            await qlc.until([255, 128, 0, 0])
        finally:
            await controller.close()
