"""The simulator: one endpoint per screen, audio and lighting device of the venue, on the
transport its profile and `transport:` say (UDP, or TCP with the profile's framing: the
controller connects to it as to the product), as the real device would listen. Every
device also has a UDP socket of its own (its port, or any on its host for a TCP device)
from which it reports, as a showctl player does (`/showctl/player/status`, heartbeats).

Bundles are held until their timetag with `loop.call_later` (never a sleep in the
loop: python-osc's own server blocks there), so devices act together as real players
honouring timetags would. Runs on real time: it stands in for hardware.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import struct
import time
from collections.abc import Callable
from typing import Any

from showctl.codec.framing import Framing, decoder
from showctl.codec.osc import PacketError, decode, encode_message, format_message
from showctl.model import Device, Venue
from showctl.model.player_status import STATUS_ADDRESS
from showctl.outputs.profiles import Transport, profile_for
from showctl.sim.device import SimDevice
from showctl.sim.projector import ProjectorSim

log = logging.getLogger(__name__)

Report = Callable[[str, str], None]  # (device id, line)
HEARTBEAT = 1.0
SIMULATED = ("screen", "audio", "lighting")
"""The device kinds simulated by default (`showctl run --simulate=lighting`: only those)."""


def _as_sent(value: float) -> float:
    """The shortest decimal that is the same float32: OSC floats are 32-bit, so 77.4
    arrives as 77.4000015258789; print 77.4 (and 86399.123 whole)."""
    packed = struct.pack(">f", value)
    for digits in range(6, 10):
        shorter = float(f"{value:.{digits}g}")
        if struct.pack(">f", shorter) == packed:
            return shorter
    return value


MAX_PACKET = 65536
FRAMING: dict[Transport, Framing] = {Transport.TCP_SLIP: "slip", Transport.TCP_LENGTH: "length"}


class _Endpoint(asyncio.DatagramProtocol):
    def __init__(self, sim: Simulator, device: SimDevice) -> None:
        self.sim, self.device = sim, device

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.sim.received(self.device, data)


class _Stream(asyncio.Protocol):
    """One connection to a device listening on TCP: its framing's packets, each as a
    datagram would be; a stream that turns to garbage is hung up on (the sender
    reconnects)."""

    def __init__(self, sim: Simulator, device: SimDevice, framing: Framing) -> None:
        self.sim, self.device = sim, device
        self.frames = decoder(framing, MAX_PACKET)
        self.transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.sim._connections.add(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.sim._connections.discard(self.transport)

    def data_received(self, data: bytes) -> None:
        packets, errors = self.frames.feed(data)
        for reason in errors:
            self.sim.errors += 1
            self.sim.report(self.device.id, f"ignored: {reason} frame")
        for packet in packets:
            self.sim.received(self.device, packet)
        if self.frames.broken and self.transport is not None:
            self.transport.close()


class Simulator:
    def __init__(self, venue: Venue, controller_addr: tuple[str, int] | None,
                 *, report: Report | None = None,
                 kinds: tuple[str, ...] = SIMULATED) -> None:
        self.venue = venue
        self.controller_addr = controller_addr
        self.report = report or (lambda device, line: log.info("%s %s", device, line))
        wanted = [d for d in venue.devices if d.kind in kinds]
        self.devices = {d.id: SimDevice(d.id, d.kind) for d in wanted}
        self._listen = {d.id: d for d in wanted}
        self._transports: dict[str, asyncio.DatagramTransport] = {}
        self._servers: list[asyncio.Server] = []
        self._connections: set[asyncio.BaseTransport] = set()
        # projectors speak PJLink on TCP: one emulator each, answering the controller's
        # status polls (that is their liveness) and its shutter commands
        self.projectors = {
            d.id: ProjectorSim(d.host, d.port, password=d.password, name=d.id,
                               on_command=functools.partial(self._projector_said, d.id))
            for d in venue.devices if d.kind == "projector" and d.profile == "pjlink"}
        self._heartbeat: asyncio.Task[None] | None = None
        self._acted = asyncio.Event()
        self.errors = 0

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        where = ""
        try:
            for device in self._listen.values():
                framing = FRAMING.get(profile_for(device).wire)
                where = f"{device.host}:{device.port}" + (f" (tcp, {framing})" if framing else "")
                await self._open(device, framing)
            for projector in self.projectors.values():
                where = f"{projector.host}:{projector.port}"
                await projector.start()
        except OSError as exc:
            await self.stop()
            raise OSError(f"simulator cannot listen on {where}: "
                          f"{exc.strerror or exc}") from None
        if self.controller_addr is not None:
            self._heartbeat = loop.create_task(self._beat(), name="sim-heartbeat")

    async def _open(self, config: Device, framing: Framing | None) -> None:
        """Listens where `config` says: UDP, or TCP with `framing` (and UDP on any port of
        its host, to report from)."""
        loop = asyncio.get_running_loop()
        device = self.devices[config.id]
        if framing is not None:
            server = await loop.create_server(
                functools.partial(_Stream, self, device, framing), config.host, config.port,
                reuse_address=True)
            self._servers.append(server)
        transport, _ = await loop.create_datagram_endpoint(
            functools.partial(_Endpoint, self, device),
            local_addr=(config.host, 0 if framing else config.port))
        self._transports[config.id] = transport

    async def stop(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            await asyncio.gather(self._heartbeat, return_exceptions=True)
        for transport in self._transports.values():
            transport.close()
        self._transports.clear()
        for server in self._servers:
            server.close()
        for connection in list(self._connections):
            connection.close()
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()
        for projector in self.projectors.values():
            await projector.stop()

    def _projector_said(self, device_id: str, command: str, answer: str) -> None:
        """Status polls are the controller asking whether it is there: not worth a line."""
        if not command.endswith(" ?"):
            self.report(device_id, f"PJLink {command} -> {answer}")

    def received(self, device: SimDevice, data: bytes) -> None:
        try:
            messages = decode(data)  # the controller's own strict decoder
        except PacketError as exc:
            self.errors += 1
            self.report(device.id, f"ignored: {exc}")
            return
        loop = asyncio.get_running_loop()
        for m in messages:
            if m.address.startswith("/showctl/reply"):
                self._answered(device, m.args)
                continue
            delay = 0.0 if m.timetag is None else m.timetag - time.time()
            if delay > 0:
                loop.call_later(delay, self._act, device, m.timetag, m.address, m.args)
            else:
                self._act(device, m.timetag, m.address, m.args)

    def _answered(self, device: SimDevice, args: tuple[Any, ...]) -> None:
        """The controller's reply to this device's heartbeat: not a command. Only a refusal
        is worth a line (a device id the venue does not have, a source not allowed)."""
        try:
            reply = json.loads(args[0])
        except (IndexError, TypeError, ValueError):
            reply = None
        if not isinstance(reply, dict):
            reply = {"status": "error", "data": f"unreadable reply {args!r}"}
        if reply.get("status") != "ok":
            self.report(device.id, f"the controller refused: {reply.get('data')}")

    def _act(self, device: SimDevice, timetag: float | None, address: str,
             args: tuple[Any, ...]) -> None:
        device.rejoined = False
        ignored = device.apply(address, args)
        self._acted.set()
        if address == "/showctl/player/clock" and not ignored and not device.rejoined:
            return  # once a second per player, and nothing to correct: not worth a line
        when = "" if timetag is None else f" [at timetag {(time.time() - timetag) * 1e3:+.1f} ms]"
        note = f" ({ignored})" if ignored else ""
        shown = tuple(_as_sent(a) if isinstance(a, float) else a for a in args)
        self.report(device.id, format_message(address, shown) + when + note)

    async def _beat(self) -> None:
        assert self.controller_addr is not None
        while True:
            for device_id, transport in self._transports.items():
                device = self.devices[device_id]
                if profile_for(self._listen[device_id]).answering:
                    continue  # its heartbeats would be refused: it answers or it is not there
                if device.kind in ("screen", "audio"):  # as a showctl player reports
                    message = encode_message(STATUS_ADDRESS, device_id,
                                             device.status().to_json())
                else:
                    message = encode_message("/showctl/heartbeat", device_id)
                transport.sendto(message, self.controller_addr)
            await asyncio.sleep(HEARTBEAT)

    async def settle(self, done: Callable[[], bool]) -> None:
        """Returns once `done()` holds, checked after each command a device acts on."""
        while not done():
            self._acted.clear()
            await self._acted.wait()

    def status(self) -> list[dict[str, Any]]:
        return [d.as_json() for d in self.devices.values()]
