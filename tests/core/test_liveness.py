"""Real liveness: a product that can answer is online because it answered, in its own
protocol, over a real connection on 127.0.0.1 (Eos over TCP, both framings; QLab over
UDP with its reply port and passcode; a PJLink projector), and goes offline within the
venue's timeout once it stops answering. What it says about itself (Eos's active cue, the
projector's status) is in status(). Real time, short: the timeout is 0.6 s."""

from __future__ import annotations

import asyncio
import json
import struct
from pathlib import Path

import pytest
import yaml

from showctl.codec import slip
from showctl.codec.osc import decode, encode_message
from showctl.core import events
from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.core.errors import CommandError
from showctl.files.loader import load_config
from showctl.sim.projector import ProjectorSim
from tests.support import free_port, write_config

pytestmark = pytest.mark.timeout(30)
TIMEOUT = 0.6
SHOW = {"id": "desk", "preroll": 0, "cues": [
    {"id": "1", "at": 0, "name": "Opening", "lights": {"cue": "5", "fade": 0}}]}


class Changes:
    """Device events as they come, awaited (never slept for)."""

    def __init__(self, bus: events.EventBus) -> None:
        self.queue: asyncio.Queue[dict] = asyncio.Queue()
        bus.subscribe(lambda e: e.kind == events.DEVICE and self.queue.put_nowait(e.data))

    async def next(self, device: str, online: bool, within: float) -> dict:
        async with asyncio.timeout(within):
            while True:
                data = await self.queue.get()
                if data["device"] == device and data["online"] is online:
                    return data


def controller(tmp_path: Path, device: dict, shows: list | None = None) -> Controller:
    """A one-screen venue whose lighting is `device`, liveness timeout 0.6 s."""
    path = write_config(tmp_path, screens=1, shows=shows or [SHOW])
    raw = yaml.safe_load(path.read_text())
    raw["devices"] = [d for d in raw["devices"] if d["id"] != "lights"] + [device]
    raw["osc"]["heartbeat_timeout"] = TIMEOUT
    raw["safe_look"] = {"lights": "1", "fade": 0}  # a cue number every console can fire
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return Controller(load_config(path), SystemClock())


class FakeEos:
    """A TCP server speaking Eos's OSC: answers /eos/ping with /eos/out/ping (same
    arguments) and reports the active cue; `mute` stops it answering."""

    def __init__(self, framing: str) -> None:
        self.framing, self.muted = framing, False
        self.got: list[bytes] = []  # every packet received, unframed
        self.frames = bytearray()  # the raw stream, framing included
        self.port = 0

    def frame(self, data: bytes) -> bytes:
        return slip.encode(data) if self.framing == "slip" else struct.pack(">I", len(data)) + data

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _serve(self, reader, writer) -> None:
        decoder = slip.SlipDecoder(65536)
        buffer = b""
        try:
            while data := await reader.read(65536):
                self.frames += data
                if self.framing == "slip":
                    packets, _ = decoder.feed(data)
                else:
                    buffer += data
                    packets = []
                    while len(buffer) >= 4 and len(buffer) >= 4 + int.from_bytes(buffer[:4]):
                        size = int.from_bytes(buffer[:4])
                        packets.append(buffer[4:4 + size])
                        buffer = buffer[4 + size:]
                for packet in packets:
                    self.got.append(packet)
                    (msg,) = decode(packet)
                    if msg.address == "/eos/ping" and not self.muted:
                        writer.write(self.frame(encode_message("/eos/out/ping", *msg.args)))
                        writer.write(self.frame(encode_message(
                            "/eos/out/active/cue/text", "1/5 Opening 0:05 100%")))
        finally:
            writer.close()

    async def stop(self) -> None:
        self.server.close()
        await self.server.wait_closed()


@pytest.mark.parametrize("framing", ["slip", "length"])
async def test_eos_over_tcp_is_online_by_its_ping_answer_and_gets_its_cue(tmp_path, framing):
    eos = FakeEos(framing)
    await eos.start()
    transport = "tcp-slip" if framing == "slip" else "tcp-length-prefixed"
    c = controller(tmp_path, {"id": "desk", "kind": "lighting", "host": "127.0.0.1",
                              "port": eos.port, "profile": "eos", "transport": transport})
    changes = Changes(c.bus)
    try:
        await changes.next("desk", True, within=10)
        desk = next(d for d in c.status()["devices"] if d["id"] == "desk")
        assert desk["online"] and desk["liveness"] == "online" and desk["liveness_by"] == "answers"
        assert desk["said"] == {"active_cue": "1/5 Opening 0:05 100%"}
        with pytest.raises(CommandError, match="answers in its own protocol"):
            c.heartbeat("desk")  # a heartbeat in its name proves nothing
        c.start("desk", by="test")
        fire = encode_message("/eos/cue/1/5/fire")
        async with asyncio.timeout(10):
            while fire not in eos.got:
                await asyncio.sleep(0.01)
        assert eos.frame(fire) in bytes(eos.frames)  # framed as the console's TCP mode says
        eos.muted = True
        await changes.next("desk", False, within=TIMEOUT + 2)
    finally:
        await c.close()
        await eos.stop()


class FakeQlab(asyncio.DatagramProtocol):
    """QLab over UDP: replies go to the port /udpReplyPort set (else 53001, which no test
    listens on); /thump is answered only after /connect with the right passcode."""

    def __init__(self) -> None:
        self.reply_port: int | None = None
        self.connected = False
        self.got: list[tuple[str, tuple]] = []

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data, addr) -> None:
        (msg,) = decode(data)
        self.got.append((msg.address, msg.args))
        if msg.address == "/udpReplyPort":
            self.reply_port = msg.args[0]
            return
        status, answer = "ok", "ok"
        if msg.address == "/connect":
            self.connected = msg.args == ("sesame",)
            answer = "ok" if self.connected else "badpass"
        elif msg.address == "/thump" and not self.connected:
            return
        elif msg.address == "/thump":
            answer = "thump"
        reply = json.dumps({"address": msg.address, "status": status, "data": answer})
        self.transport.sendto(encode_message(f"/reply{msg.address}", reply),
                              (addr[0], self.reply_port or 53001))


async def test_qlab_over_udp_answers_once_connected_with_its_passcode(tmp_path):
    loop = asyncio.get_running_loop()
    port = free_port()
    transport, qlab = await loop.create_datagram_endpoint(FakeQlab,
                                                          local_addr=("127.0.0.1", port))
    c = controller(tmp_path, {"id": "sound", "kind": "audio", "host": "127.0.0.1",
                              "port": port, "profile": "qlab", "passcode": "sesame"},
                   shows=[{"id": "quiet", "cues": [{"id": "1", "at": 0}]}])
    changes = Changes(c.bus)
    try:
        await changes.next("sound", True, within=10)
        assert qlab.reply_port and qlab.got[:2] == [("/udpReplyPort", (qlab.reply_port,)),
                                                    ("/connect", ("sesame",))]
        sound = next(d for d in c.status()["devices"] if d["id"] == "sound")
        assert sound["liveness_by"] == "answers" and sound["said"] == {"connect": "ok"}
        transport.close()  # QLab quits
        await changes.next("sound", False, within=TIMEOUT + 2)
    finally:
        await c.close()
        transport.close()


async def test_a_projector_is_online_by_its_pjlink_status_and_offline_when_it_hangs(tmp_path):
    sim = ProjectorSim(password="sesame", warm_up=0, cool_down=0)
    await sim.start()
    show = {"id": "desk", "preroll": 0, "cues": [
        {"id": "1", "at": 0, "screens": ["proj1"], "black": {"fade": 0}}]}
    c = controller(tmp_path, {"id": "proj1", "kind": "projector", "host": "127.0.0.1",
                              "port": sim.port, "profile": "pjlink", "password": "sesame",
                              "poll_interval": 1},
                   shows=[show])
    changes = Changes(c.bus)
    try:
        came = await changes.next("proj1", True, within=10)
        assert came["said"]["projector"]["power"] == "off"
        sim.fault("temperature", 2)
        async with asyncio.timeout(10):  # the next poll reports the raised flag
            while c.status()["devices"][-1]["said"]["projector"]["errors"]["temperature"] \
                    != "error":
                await asyncio.sleep(0.02)
        c.start("desk", by="test")
        async with asyncio.timeout(10):  # black on a projector closes its shutter
            while "%1AVMT 31" not in sim.commands:
                await asyncio.sleep(0.02)
        sim.hang()
        await changes.next("proj1", False, within=TIMEOUT + 3)
    finally:
        await c.close()
        await sim.stop()


class FakeEosUdp(asyncio.DatagramProtocol):
    """Eos over UDP: it answers to its configured OSC TX port, not to the sender's port."""

    def __init__(self, tx_port: int) -> None:
        self.tx_port = tx_port
        self.got: list[str] = []

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data, addr) -> None:
        (msg,) = decode(data)
        self.got.append(msg.address)
        if msg.address == "/eos/ping":
            self.transport.sendto(encode_message("/eos/out/ping", *msg.args),
                                  ("127.0.0.1", self.tx_port))


async def test_eos_over_udp_answers_to_the_feedback_port(tmp_path):
    loop = asyncio.get_running_loop()
    port, feedback = free_port(), free_port()
    transport, eos = await loop.create_datagram_endpoint(
        lambda: FakeEosUdp(feedback), local_addr=("127.0.0.1", port))
    c = controller(tmp_path, {"id": "desk", "kind": "lighting", "host": "127.0.0.1",
                              "port": port, "profile": "eos", "transport": "udp",
                              "feedback_port": feedback})
    changes = Changes(c.bus)
    try:
        await changes.next("desk", True, within=10)
        transport.close()
        await changes.next("desk", False, within=TIMEOUT + 2)
        assert "/eos/ping" in eos.got
    finally:
        await c.close()
        transport.close()


async def test_a_reloaded_venue_keeps_the_console_s_connection_and_its_online_state(tmp_path):
    eos = FakeEos("slip")
    await eos.start()
    c = controller(tmp_path, {"id": "desk", "kind": "lighting", "host": "127.0.0.1",
                              "port": eos.port, "profile": "eos", "transport": "tcp",
                              "framing": "slip"})
    changes = Changes(c.bus)
    try:
        await changes.next("desk", True, within=10)
        path = c.config.venue.source
        raw = yaml.safe_load(path.read_text())
        raw["devices"][-1]["cue_list"] = 2
        path.write_text(yaml.safe_dump(raw, sort_keys=False))
        assert await c.reload() == []
        assert c.status()["devices"][-1]["online"]  # the room did not change
        c.start("desk", by="test")
        fire = encode_message("/eos/cue/2/5/fire")  # through the new venue's link
        async with asyncio.timeout(10):
            while fire not in eos.got:
                await asyncio.sleep(0.01)
        events_since = [changes.queue.get_nowait() for _ in range(changes.queue.qsize())]
        assert all(d["online"] for d in events_since), "it never went offline"
    finally:
        await c.close()
        await eos.stop()
