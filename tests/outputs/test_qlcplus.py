"""The `qlcplus` profile against the real QLC+ (Debian's qlcplus 4.12), headless: a show
played by the controller changes DMX channels inside QLC+, read back through QLC+'s own
web API (its websocket, `QLC+API|getChannelsValues`). Over the web API (the profile's
default) a cue recalled again never turns the lights off: the same cue twice, the safe
look twice, PANIC on the safe look, a fade recalled during and after it.

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
        """DMX channels 1-5 of universe 1, as QLC+ has them now."""
        await self.ws.send_str("QLC+API|getChannelsValues|1|1|5")
        while True:  # QLC+ also tells every socket FUNCTION|id|Running/Stopped
            reply = (await self.ws.receive(timeout=5)).data
            if reply.startswith("QLC+API|getChannelsValues|"):
                break
        fields = reply.split("|")[2:]
        return [int(fields[i + 1]) for i in range(0, 15, 3)]

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


def venue(tmp_path: Path, device: dict, shows: list[dict] | None = None) -> Path:
    path = write_config(tmp_path, screens=1, shows=shows or [SHOW])
    raw = yaml.safe_load(path.read_text())
    raw["devices"] = [d for d in raw["devices"] if d["id"] != "lights"] + [
        {"id": "house", "kind": "lighting", "host": "127.0.0.1", "profile": "qlcplus",
         **device}]
    raw["safe_look"] = {"lights": "house-out", "fade": 0}
    path.write_text(yaml.safe_dump(raw))
    return path


async def test_a_show_cue_changes_dmx_inside_qlcplus_over_osc(tmp_path):
    async with Qlc(tmp_path) as qlc:
        assert await qlc.channels() == [0, 0, 0, 0, 0]
        path = venue(tmp_path, {"port": qlc.osc_port, "transport": "udp"})
        controller = Controller(load_config(path), SystemClock())
        try:
            controller.start("house", by="test")
            await qlc.until([255, 128, 0, 0, 0])  # cue 1: the "opening" scene
            await qlc.until([0, 0, 0, 40, 0])  # cue 2: "house-out"; the solo frame stopped 1
            controller.fire("1", by="test")  # fired again: the scene is back
            await qlc.until([255, 128, 0, 0, 0])
        finally:
            await controller.close()


SLOW = {"id": "slow", "preroll": 0, "duration": 30, "cues": [
    {"id": "1", "at": 0, "name": "Slow", "lights": {"cue": "slow"}}]}


async def test_recalling_again_over_the_web_api_never_turns_the_lights_off(tmp_path):
    """The venue gives no port nor transport: the profile's default, QLC+'s web API on
    its port (here a free one, as QLC+'s 9999 may be taken on this machine)."""
    async with Qlc(tmp_path) as qlc:
        path = venue(tmp_path, {"port": qlc.web_port}, [SHOW, SLOW])
        controller = Controller(load_config(path), SystemClock())
        link = controller.engine.out.links.links["house"]

        async def after_what_was_sent(wanted: list[int]) -> None:
            """What QLC+ shows once it has acted on everything sent before: the marker
            function goes through the same connection, after, and lights channel 5."""
            link.send(b"QLC+API|setFunctionStatus|3|1")
            await qlc.until([*wanted[:4], 99])
            assert await qlc.channels() == [*wanted[:4], 99]
            link.send(b"QLC+API|setFunctionStatus|3|0")
            await qlc.until(wanted)

        try:
            async with asyncio.timeout(15):
                while not controller.status()["devices"][-1]["online"]:
                    await asyncio.sleep(0.05)  # the link connected and read the functions
            controller.start("house", by="test")
            await qlc.until([255, 128, 0, 0, 0])  # cue 1: "opening"
            await qlc.until([0, 0, 0, 40, 0])  # cue 2: "house-out", and "opening" stopped
            controller.fire("2", by="test")  # the same cue again
            await after_what_was_sent([0, 0, 0, 40, 0])
            controller.stop(0, by="test")  # onto the safe look, which is up already
            await after_what_was_sent([0, 0, 0, 40, 0])
            controller.panic(by="test")  # and once more
            controller.panic(by="test")
            await after_what_was_sent([0, 0, 0, 40, 0])
            controller.start("house", by="test")
            await qlc.until([255, 128, 0, 0, 0])
            controller.fire("1", by="test")
            controller.fire("1", by="test")
            await after_what_was_sent([255, 128, 0, 0, 0])
            controller.panic(by="test")
            await qlc.until([0, 0, 0, 40, 0])

            controller.start("slow", by="test")  # a fade: 0.6 s to 200 on channel 1
            seen: list[int] = []
            async with asyncio.timeout(10):
                while (level := (await qlc.channels())[0]) != 200:
                    if level > 0 and not any(seen):
                        controller.fire("1", by="test")  # recalled during its fade
                    seen.append(level)
            assert any(0 < v < 200 for v in seen), seen  # it faded, it did not cut
            controller.fire("1", by="test")  # and after it
            await after_what_was_sent([200, 0, 0, 0, 0])
        finally:
            await controller.close()
