"""A short show in real time over real sockets: nine UDP receivers and liblo's `oscdump`
(an independent OSC implementation) check content, order and bundle timetags.
Bounds are generous: precision is measured by bench/timing.py, not here."""

import asyncio
import shutil
import socket
import time

import pytest
from pythonosc.osc_bundle import OscBundle

from showctl.codec.osc import NTP_UNIX, encode_message
from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from tests.core.room import LEAD, add_devices, decode
from tests.support import free_port, write_config

SHOW = {
    "id": "live",
    "preroll": 0.3,
    "cues": [
        {"id": "1", "at": 0, "name": "Out", "lights": {"cue": "house-out", "fade": 1}},
        {"id": "2", "at": 0.5, "name": "Pano", "screens": "all",
         "play": {"media": "p_{screen}.mp4"}},
        {"id": "3", "at": 1.0, "name": "Front", "screens": "front",
         "play": {"media": "f_{screen}.mp4", "from": 3}},
        {"id": "4", "at": 1.5, "name": "Storm", "lights": {"cue": "storm", "fade": 0.5}},
        {"id": "5", "at": 2.2, "name": "End", "screens": "all", "black": {"fade": 0.5},
         "lights": {"cue": "house-up", "fade": 0.5}},
    ],
}


class Stamp(asyncio.DatagramProtocol):
    def __init__(self):
        self.got = []

    def datagram_received(self, data, addr):
        self.got.append((time.time(), OscBundle.dgram_is_bundle(data), *decode(data)))


async def oscdump(port: int):
    """A running `oscdump -L port`, known to listen once it has echoed a probe."""
    proc = await asyncio.create_subprocess_exec(
        "oscdump", "-L", str(port), stdout=asyncio.subprocess.PIPE)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _ in range(50):
            probe.sendto(encode_message("/probe"), ("127.0.0.1", port))
            try:
                await asyncio.wait_for(proc.stdout.readline(), 0.2)
                return proc
            except TimeoutError:
                continue
    proc.kill()
    raise AssertionError("oscdump did not start")


def parse_dump(line: str):
    tag, address, *rest = line.split(" ", 2)
    sec, frac = tag.split(".")
    return int(sec, 16) - NTP_UNIX + int(frac, 16) / 2**32, address, rest


@pytest.mark.skipif(shutil.which("oscdump") is None, reason="needs liblo-tools (oscdump)")
async def test_a_show_in_real_time_reaches_nine_screens_and_oscdump(tmp_path):
    venue_path = write_config(tmp_path, shows=[SHOW])
    dump_port = free_port()
    add_devices(venue_path, patch={"lights": {"port": dump_port}})
    config = load_config(venue_path)
    loop = asyncio.get_running_loop()
    screens, transports = {}, []
    for device in config.venue.screens:
        transport, proto = await loop.create_datagram_endpoint(
            Stamp, local_addr=(device.host, device.port))
        screens[device.id], transports = proto, [*transports, transport]
    dump = await oscdump(dump_port)
    controller = Controller(config, SystemClock())
    ended = loop.create_future()
    controller.bus.subscribe(
        lambda e: e.kind == "run" and e.data["event"] == "end" and ended.set_result(e.data))
    try:
        controller.start("live", by="test")
        assert (await asyncio.wait_for(ended, 15))["outcome"] == "completed"
    finally:
        await controller.close()
        for transport in transports:
            transport.close()
    dump.terminate()
    out, _ = await asyncio.wait_for(dump.communicate(), 10)

    t0_tag = None
    for n in range(1, 10):
        got = [g for g in screens[f"screen{n}"].got if g[3][0][0] != "/showctl/player/clock"]
        assert all(bundle for _, bundle, *_ in got)
        names = [m[0][0] for *_, m in got]
        front = n in (1, 9)
        expected = ["/showctl/player/load", "/showctl/player/play"]
        expected += ["/showctl/player/play"] if front else []
        assert names == [*expected, "/showctl/player/black"]
        tags = [tag for _, _, tag, _ in got[1:]]
        t0_tag = t0_tag or tags[0] - 0.5
        offsets = [0.5, 1.0, 2.2] if front else [0.5, 2.2]
        assert tags == pytest.approx([t0_tag + o for o in offsets], abs=1e-5)
        for (arrived, *_), tag in zip(got[1:], tags, strict=True):
            assert -LEAD - 0.005 < arrived - tag < 0.25, "sent about a lead before its instant"
        clocks = [m for *_, m in screens[f"screen{n}"].got if m[0][0] == "/showctl/player/clock"]
        assert [m[0][1][0] for m in clocks] == [1.0, 2.0]
    lines = [parse_dump(x) for x in out.decode().splitlines() if "/showctl/lights/cue" in x]
    assert [rest[0].split(" ", 1)[1] for _, _, rest in lines] == [
        '"house-out" 1.000000', '"storm" 0.500000', '"house-up" 0.500000']
    assert [tag - t0_tag for tag, _, _ in lines] == pytest.approx([0.0, 1.5, 2.2], abs=1e-5)
