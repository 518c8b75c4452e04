"""The `ola` profile against a real OLA daemon: the controller's fade frames go into
olad's OSC input port (universe 3); olad's OSC output port on the same universe sends
the merged universe back to us. olad runs with every plugin but OSC disabled, no HTTP,
its RPC on a free loopback port; it refuses root, so under root it runs as nobody."""

import asyncio
import contextlib
import os
import shutil
import socket
import tempfile
import time
from pathlib import Path

import pytest
from pythonosc.osc_message import OscMessage

from showctl.codec.osc import encode_bundle, encode_message
from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.outputs.profiles import PROFILES
from showctl.outputs.profiles.base import Bundles as ProfileBundles
from tests.core.room import add_devices
from tests.support import free_port, write_config

PLUGINS = ("artnet", "dummy", "e131", "espnet", "ftdidmx", "gpio", "karate", "kinet",
           "milinst", "opendmx", "openpixelcontrol", "pathport", "renard", "sandnet",
           "shownet", "spi", "stageprofi", "uartdmx", "usbdmx", "usbserial", "usbpro",
           "dmx4linux", "nanoleaf")
SHOW = {"id": "dim", "preroll": 0.1, "cues": [
    {"id": "1", "at": 0, "name": "Up", "levels": {"channels": {1: 255, 2: 128}, "fade": 0.3}},
    {"id": "2", "at": 0.6, "name": "Half", "levels": {"channels": {1: 100}, "fade": 0}},
]}
needs = pytest.mark.skipif(
    shutil.which("olad") is None or (os.geteuid() == 0 and shutil.which("setpriv") is None),
    reason="needs olad (and setpriv when run as root)")


class Universe(asyncio.DatagramProtocol):
    def __init__(self):
        self.frames: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data, addr):
        msg = OscMessage(data)
        if msg.address == "/dmx/universe/3":
            self.frames.put_nowait(bytes(msg.params[0]))


def ola_config(folder: Path, osc_in: int, osc_out: int) -> None:
    for plugin in PLUGINS:
        (folder / f"ola-{plugin}.conf").write_text("enabled = false\n")
    (folder / "ola-osc.conf").write_text(
        f"enabled = true\nudp_listen_port = {osc_in}\ninput_ports = 1\noutput_ports = 1\n"
        f"port_0_address = /dmx/universe/%d\n"
        f"port_0_targets = 127.0.0.1:{osc_out}/dmx/universe/%d\nport_0_output_format = blob\n")
    (folder / "ola-port.conf").write_text("14-1-I-0 = 3\n14-1-O-0 = 3\n")
    for path in (folder, *folder.iterdir()):
        path.chmod(0o777 if path.is_dir() else 0o666)


async def until_forwarding(universe: Universe, osc_in: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _ in range(40):
            probe.sendto(encode_message("/dmx/universe/3", bytes(512)), ("127.0.0.1", osc_in))
            try:
                await asyncio.wait_for(universe.frames.get(), 0.25)
                return
            except TimeoutError:
                continue
    raise AssertionError("olad did not forward a probe frame")


@contextlib.asynccontextmanager
async def running_olad(osc_in: int):
    """olad taking OSC on `osc_in`; yields the universe it sends back, once forwarding."""
    osc_out, rpc = free_port(), free_port(socket.SOCK_STREAM)
    folder = Path(tempfile.mkdtemp(prefix="showctl-ola-"))
    ola_config(folder, osc_in, osc_out)
    drop = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    cmd = [*(drop if os.geteuid() == 0 else []), "olad", "-c", str(folder), "--no-http",
           "-r", str(rpc), "-l", "1"]
    olad = await asyncio.create_subprocess_exec(*cmd, stdout=asyncio.subprocess.DEVNULL,
                                                stderr=asyncio.subprocess.DEVNULL)
    transport, universe = await asyncio.get_running_loop().create_datagram_endpoint(
        Universe, local_addr=("127.0.0.1", osc_out))
    try:
        await until_forwarding(universe, osc_in)
        yield universe
    finally:
        transport.close()
        olad.terminate()
        await asyncio.wait_for(olad.wait(), 10)
        shutil.rmtree(folder, ignore_errors=True)


@needs
async def test_fades_reach_a_real_olad_universe_with_their_exact_targets(tmp_path):
    osc_in = free_port()
    venue_path = write_config(tmp_path, shows=[SHOW])
    add_devices(venue_path, {"id": "dimmers", "kind": "lighting", "profile": "ola",
                             "universe": 3, "port": osc_in})
    loop = asyncio.get_running_loop()
    controller = Controller(load_config(venue_path), SystemClock())
    try:
        async with running_olad(osc_in) as universe:
            ended = loop.create_future()
            controller.bus.subscribe(lambda e: e.kind == "run" and e.data["event"] == "end"
                                     and not ended.done() and ended.set_result(None))
            controller.start("dim", by="test")
            await asyncio.wait_for(ended, 10)
            seen = []
            while not seen or seen[-1][:2] != bytes([100, 128]):
                seen.append(await asyncio.wait_for(universe.frames.get(), 5))
    finally:
        await controller.close()
    top = [f[:2] for f in seen].index(bytes([255, 128]))  # the fade's end, exactly
    rising = [f[0] for f in seen[: top + 1]]
    assert rising == sorted(rising), "levels only rise during the fade"
    assert len(set(rising)) >= 5, "intermediate fade frames went through olad"
    assert all(f[1] == round(f[0] * 128 / 255) or abs(f[1] - f[0] * 128 / 255) <= 1
               for f in seen[: top + 1]), "both channels fade together, linearly"


@needs
async def test_olad_holds_a_bundle_timetagged_ahead_until_another_packet_comes():
    """Why the ola profile sends plain messages: olad runs liblo's queue only when a
    packet arrives, so a bundle for 50 ms from now waits for whatever comes next."""
    osc_in = free_port()
    async with running_olad(osc_in) as universe:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as out:
            frame = bytes([42]) + bytes(511)
            due = time.time() + 0.05
            out.sendto(encode_bundle(due, [encode_message("/dmx/universe/3", frame)]),
                       ("127.0.0.1", osc_in))
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(universe.frames.get(), 0.5)
            out.sendto(encode_message("/unrelated", 1), ("127.0.0.1", osc_in))
            assert (await asyncio.wait_for(universe.frames.get(), 10))[0] == 42
            assert ProfileBundles.IGNORED is PROFILES["ola"].bundles
