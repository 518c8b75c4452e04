"""A third-party OSC receiver, liblo's `oscdump`, as the product: one profile per
transport, through the controller. `qlcplus` over UDP (a press and a release), `eos`
over TCP in both framings liblo reads (OSC 1.0 length-prefixed, and SLIP, which liblo
detects), the liveness ping included."""

from __future__ import annotations

import asyncio
import shutil

import pytest
import yaml

from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from tests.support import free_port, write_config

pytestmark = [pytest.mark.timeout(30),
              pytest.mark.skipif(shutil.which("oscdump") is None, reason="needs liblo-tools")]


def controller(tmp_path, device: dict, cue: str) -> Controller:
    show = {"id": "one", "preroll": 0, "duration": 10, "cues": [
        {"id": "1", "at": 0, "name": "Go", "lights": {"cue": cue}}]}
    path = write_config(tmp_path, screens=1, shows=[show])
    raw = yaml.safe_load(path.read_text())
    raw["devices"] = [d for d in raw["devices"] if d["id"] != "lights"] + [device]
    raw["safe_look"] = {"lights": cue, "fade": 0}
    path.write_text(yaml.safe_dump(raw))
    return Controller(load_config(path), SystemClock())


class Dump:
    def __init__(self, url: str) -> None:
        self.url = url

    async def __aenter__(self) -> Dump:
        # oscdump takes a port or a URL and binds every interface; we send to 127.0.0.1
        self.proc = await asyncio.create_subprocess_exec(
            "oscdump", "-L", self.url, stdout=asyncio.subprocess.PIPE)
        return self

    async def line_with(self, text: str, within: float = 5) -> str:
        assert self.proc.stdout is not None
        async with asyncio.timeout(within):
            while True:
                line = (await self.proc.stdout.readline()).decode()
                assert line, "oscdump ended"
                if text in line:
                    return line

    async def __aexit__(self, *exc: object) -> None:
        self.proc.terminate()
        await self.proc.wait()


async def test_qlcplus_over_udp_as_oscdump_sees_it(tmp_path):
    port = free_port()
    async with Dump(str(port)) as dump:
        c = controller(tmp_path, {"id": "house", "kind": "lighting", "host": "127.0.0.1",
                                  "port": port, "profile": "qlcplus", "transport": "udp"},
                       "opening")
        try:
            await asyncio.sleep(0.2)  # oscdump gives no sign of being ready (UDP: a lost
            c.start("one", by="test")  # first packet would only make the wait fail)
            first = await dump.line_with("/showctl/cue/opening")
            second = await dump.line_with("/showctl/cue/opening")
        finally:
            await c.close()
    # oscdump prints: time tag, address, type tags, values
    assert first.split()[1:] == ["/showctl/cue/opening", "f", "1.000000"]
    assert second.split()[1:] == ["/showctl/cue/opening", "f", "0.000000"]


@pytest.mark.parametrize("transport", ["tcp-length-prefixed", "tcp-slip"])
async def test_eos_over_tcp_as_oscdump_sees_it(tmp_path, transport):
    port = free_port()
    async with Dump(f"osc.tcp://:{port}") as dump:
        c = controller(tmp_path, {"id": "desk", "kind": "lighting", "host": "127.0.0.1",
                                  "port": port, "profile": "eos", "transport": transport},
                       "5")
        try:
            ping = await dump.line_with("/eos/ping")  # the link reconnects until it listens
            assert ping.split()[1:] == ["/eos/ping", "s", '"showctl"']
            c.start("one", by="test")
            fire = await dump.line_with("/eos/cue/1/5/fire")
        finally:
            await c.close()
    assert fire.split()[1:] == ["/eos/cue/1/5/fire"]
