"""DMX direct received by a real OLA daemon in the venue room: the controller (host
`ctl`) sends Art-Net to the subnet's broadcast and E1.31 unicast to the lighting host,
where olad's Art-Net and E1.31 plugins take them into universes 3 and 7; olad's OSC
output sends each universe back to the test as OLA merged it. tshark on the lighting
host's interface decodes the same traffic (`artnet`, `acn` with DMX enabled). And the
show's Art-Net timecode to the subnet's broadcast, as tshark reads it there."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import tempfile
from pathlib import Path

import pytest
import yaml
from pythonosc.osc_message import OscMessage

from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from tests.outputs.test_olad import PLUGINS
from tests.support import write_config
from tests.timecode.capture import fields
from tests.timecode.dmx_rx import artdmx_probe
from tests.venue.room import room_fixture

pytestmark = [pytest.mark.timeout(90), pytest.mark.skipif(
    shutil.which("olad") is None or shutil.which("tshark") is None, reason="needs olad, tshark")]
room = room_fixture()
OSC_OUT = 7800
SHOW = {"id": "dim", "preroll": 0.1, "cues": [
    {"id": "1", "at": 0, "name": "Up", "levels": {"channels": {1: 255, 2: 128}, "fade": 0.5}},
    {"id": "2", "at": 0.8, "name": "Half", "levels": {"channels": {1: 100}, "fade": 0}},
    {"id": "3", "at": 1.6, "name": "End", "levels": {"channels": {3: 7}, "fade": 0}},
]}


class Universes(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.frames: dict[int, asyncio.Queue[bytes]] = {3: asyncio.Queue(), 7: asyncio.Queue()}

    def datagram_received(self, data, addr):
        msg = OscMessage(data)
        universe = int(msg.address.rsplit("/", 1)[1])
        if universe in self.frames:
            self.frames[universe].put_nowait(bytes(msg.params[0]))


def ola_config(folder: Path, address: str) -> None:
    for plugin in PLUGINS:
        if plugin not in ("artnet", "e131"):
            (folder / f"ola-{plugin}.conf").write_text("enabled = false\n")
    (folder / "ola-artnet.conf").write_text(f"enabled = true\nip = {address}\n")
    (folder / "ola-e131.conf").write_text(f"enabled = true\nip = {address}\ninput_ports = 1\n"
                                          "output_ports = 0\n")
    (folder / "ola-osc.conf").write_text(
        "enabled = true\nudp_listen_port = 7801\ninput_ports = 0\noutput_ports = 2\n"
        + "".join(f"port_{n}_targets = 127.0.0.1:{OSC_OUT}/dmx/universe/%d\n"
                  f"port_{n}_output_format = blob\n" for n in (0, 1)))
    # Art-Net device 2-1, E1.31 device 11-1, OSC device 14-1 (OLA's plugin ids)
    (folder / "ola-port.conf").write_text(
        "2-1-I-0 = 3\n11-1-I-0 = 7\n14-1-O-0 = 3\n14-1-O-1 = 7\n")
    for path in (folder, *folder.iterdir()):
        path.chmod(0o777 if path.is_dir() else 0o666)


async def test_olad_receives_the_fades_over_artnet_broadcast_and_e131(room, tmp_path):
    lighting = room.address("lighting")
    folder = Path(tempfile.mkdtemp(prefix="showctl-ola24-"))
    ola_config(folder, lighting)
    drop = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    olad = await room.spawn("lighting", [*(drop if os.geteuid() == 0 else []), "olad", "-c",
                                         str(folder), "--no-http", "-l", "1"],
                            stdout=asyncio.subprocess.DEVNULL,
                            stderr=asyncio.subprocess.DEVNULL)
    pcap = tmp_path / "dmx.pcap"
    os.chmod(tmp_path, 0o777)
    tshark = await room.spawn("lighting", ["tshark", "-i", "eth0", "-f",
                                           "udp port 6454 or udp port 5568", "-w", str(pcap)],
                              stdout=asyncio.subprocess.DEVNULL,
                              stderr=asyncio.subprocess.PIPE)
    loop = asyncio.get_running_loop()
    sock = room.socket("lighting", bind=OSC_OUT, address="127.0.0.1")
    transport, universes = await loop.create_datagram_endpoint(Universes, sock=sock)
    try:
        assert tshark.stderr is not None
        async with asyncio.timeout(20):
            while b"Capturing on" not in (line := await tshark.stderr.readline()):
                assert line, "tshark ended"
        probe = room.socket("ctl")
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        for _ in range(80):  # until olad's Art-Net plugin forwards
            probe.sendto(artdmx_probe(3), (room.broadcast, 6454))
            try:
                await asyncio.wait_for(universes.frames[3].get(), 0.25)
                break
            except TimeoutError:
                continue
        else:
            raise AssertionError("olad never forwarded Art-Net universe 3")
        probe.close()
        venue = write_config(tmp_path, shows=[SHOW], screens=1)
        data = yaml.safe_load(venue.read_text())
        data["devices"] += [
            {"id": "wash", "kind": "lighting", "profile": "artnet", "universe": 3,
             "host": room.broadcast, "port": 6454},
            {"id": "spots", "kind": "lighting", "profile": "sacn", "universe": 7,
             "priority": 120, "host": lighting, "port": 5568}]
        for d in data["devices"]:
            d["host"] = d["host"] if d["id"] in ("wash", "spots") else "127.0.0.1"
        venue.write_text(yaml.safe_dump(data))

        async def play() -> None:
            controller = Controller(load_config(venue), SystemClock())
            ended = asyncio.get_running_loop().create_future()
            controller.bus.subscribe(lambda e: e.kind == "run" and e.data["event"] == "end"
                                     and not ended.done() and ended.set_result(None))
            try:
                controller.start("dim", by="test")
                await asyncio.wait_for(ended, 10)
                await asyncio.sleep(0.3)  # ... its repeats after the last cue
            finally:
                await controller.close()

        await room.run_in("ctl", play)
        seen: dict[int, list[bytes]] = {3: [], 7: []}
        for universe, got in seen.items():
            queue = universes.frames[universe]
            while not got or got[-1][:3] != bytes([100, 128, 7]):
                got.append(await asyncio.wait_for(queue.get(), 5))
    finally:
        transport.close()
        olad.terminate()
        await asyncio.wait_for(olad.wait(), 10)
        if tshark.returncode is None:
            tshark.send_signal(2)
        await asyncio.wait_for(tshark.communicate(), 20)
        shutil.rmtree(folder, ignore_errors=True)
    for universe, got in seen.items():
        levels = [f[:2] for f in got if any(f[:3])]
        top = levels.index(bytes([255, 128]))
        rising = [f[0] for f in levels[:top + 1]]
        assert rising == sorted(rising) and len(set(rising)) >= 5, (universe, rising)
    artnet = await fields(pcap, "udp.port==6454,artnet",
                          ["ip.dst", "artnet.output.universe", "artnet.output.sequence"],
                          display="artnet.output")
    assert {r["ip.dst"] for r in artnet} == {room.broadcast}
    assert {r["artnet.output.universe"] for r in artnet} == {"3"}
    assert len(artnet) >= 20
    acn = await fields(pcap, None,
                       ["acn.dmx.universe", "acn.dmx.priority", "acn.dmx.source_name",
                        "acn.dmx.seq_number"], display="acn.dmx.universe",
                       options=["--enable-heuristic", "acn", "-o", "acn.dmx_enable:TRUE"])
    assert {(r["acn.dmx.universe"], r["acn.dmx.priority"], r["acn.dmx.source_name"])
            for r in acn} == {("7", "120", "showctl spots")}
    seqs = [int(r["acn.dmx.seq_number"]) for r in acn]
    assert seqs == [n % 256 for n in range(seqs[0], seqs[0] + len(seqs))]


async def test_arttimecode_to_the_subnets_broadcast_reaches_the_lighting_host(room, tmp_path):
    """Art-Net timecode as consoles expect it: to the subnet's directed broadcast (inside
    the room only), read on the lighting host's interface by tshark's `artnet`."""
    os.chmod(tmp_path, 0o777)
    pcap = tmp_path / "tc.pcap"
    tshark = await room.spawn("lighting", ["tshark", "-i", "eth0", "-f", "udp port 6454",
                                           "-w", str(pcap)],
                              stdout=asyncio.subprocess.DEVNULL,
                              stderr=asyncio.subprocess.PIPE)
    show = {"id": "tc", "preroll": 0.1, "timecode": {"start": "10:00:00:00"}, "cues": [
        {"id": "1", "at": 0, "hold": False}, {"id": "2", "at": 0.6}]}
    try:
        assert tshark.stderr is not None
        async with asyncio.timeout(20):
            while b"Capturing on" not in (line := await tshark.stderr.readline()):
                assert line, "tshark ended"
        venue = write_config(tmp_path, shows=[show], screens=1, venue_extra={"timecode": {
            "outputs": [{"kind": "artnet", "host": room.broadcast, "fps": 25}]}})

        async def play() -> None:
            controller = Controller(load_config(venue), SystemClock())
            ended = asyncio.get_running_loop().create_future()
            controller.bus.subscribe(lambda e: e.kind == "run" and e.data["event"] == "end"
                                     and not ended.done() and ended.set_result(None))
            try:
                controller.start("tc", by="test")
                await asyncio.wait_for(ended, 10)
            finally:
                await controller.close()

        await room.run_in("ctl", play)
        await asyncio.sleep(0.3)
    finally:
        if tshark.returncode is None:
            tshark.send_signal(2)
        await asyncio.wait_for(tshark.communicate(), 20)
    rows = await fields(pcap, None, ["ip.src", "ip.dst", "udp.dstport", "artnet.header.opcode",
                                     "artnet.excess_bytes"], display="artnet")
    assert {(r["ip.src"], r["ip.dst"], r["udp.dstport"], r["artnet.header.opcode"])
            for r in rows} == {(room.address("ctl"), room.broadcast, "6454", "0x9700")}
    labels = [bytes.fromhex(r["artnet.excess_bytes"])[2:6] for r in rows]
    moving = [f"{h:02d}:{m:02d}:{s:02d}:{f:02d}" for f, s, m, h in labels]
    assert moving[0] == "10:00:00:00" and "10:00:00:10" in moving and len(rows) >= 14
