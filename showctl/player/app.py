"""`showctl player`: the devices of one PC, each with its listener, its mpv and its status.

It reads the venue through the model and the files' loader only (never the controller's
core): where each device listens (host:port, UDP or TCP with SLIP framing as the device
says), where the controller listens (`osc.listen`, for status), and the shows (for the
media each device needs, reported when missing).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import time
from collections.abc import Sequence
from pathlib import Path

from showctl.codec import slip
from showctl.codec.osc import encode_message
from showctl.files.loader import Config
from showctl.model import Device
from showctl.model.player_status import STATUS_ADDRESS, STATUS_INTERVAL, PlayerStatus
from showctl.player.device import DevicePlayer
from showctl.player.media import needed_media
from showctl.player.mpv import MpvProcess

log = logging.getLogger(__name__)

PLAYABLE = ("screen", "audio")
MAX_PACKET = 65536


class PlayerError(Exception):
    """A reason the player cannot start (an unknown device, a port in use): one line."""


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, device: DevicePlayer) -> None:
        self.device = device

    def datagram_received(self, data: bytes, addr: object) -> None:
        self.device.received(data, time.time())


class _Tcp(asyncio.Protocol):
    """OSC 1.1 over TCP: SLIP frames from the controller (a device with `transport: tcp`)."""

    def __init__(self, device: DevicePlayer) -> None:
        self.device = device
        self.decoder = slip.SlipDecoder(MAX_PACKET)

    def data_received(self, data: bytes) -> None:
        at = time.time()
        packets, errors = self.decoder.feed(data)
        for reason in errors:
            self.device.errors += 1
            log.warning("%s: %s SLIP frame discarded", self.device.device.id, reason)
        for packet in packets:
            self.device.received(packet, at)


class Player:
    def __init__(self, config: Config, device_ids: Sequence[str], *, media: Path,
                 ipc_dir: Path, mpv_args: Sequence[str] = ()) -> None:
        venue = config.venue
        self.venue = venue
        self.media, self.ipc_dir = media, ipc_dir
        self.devices: dict[str, DevicePlayer] = {}
        self.mpvs: dict[str, MpvProcess] = {}
        known = {d.id: d for d in venue.devices}
        for device_id in dict.fromkeys(device_ids):
            device = known.get(device_id)
            if device is None:
                playable = ", ".join(d.id for d in venue.devices if d.kind in PLAYABLE)
                raise PlayerError(f"no device {device_id!r} in {venue.venue} (screens and "
                                  f"audio devices: {playable or 'none'})")
            if device.kind not in PLAYABLE:
                raise PlayerError(f"device {device_id!r} is a {device.kind} device; the player "
                                  "plays screens and audio devices")
            player = DevicePlayer(device, media, needed_media(device, venue, config.shows),
                                  self._send_status)
            self.devices[device_id] = player
            try:
                self.mpvs[device_id] = MpvProcess(
                    device_id, player.kind, ipc_dir / f"{device_id}.sock", mpv_args,
                    player.mpv_ready, player.new_ipc)
            except ValueError as exc:
                raise PlayerError(str(exc)) from None
        self._servers: list[asyncio.BaseTransport | asyncio.AbstractServer] = []
        self._status_sock = socket.socket(
            socket.AF_INET6 if ":" in venue.osc.listen[0] else socket.AF_INET, socket.SOCK_DGRAM)
        self._status_sock.setblocking(False)
        self._status_task: asyncio.Task[None] | None = None
        self.status_errors = 0

    async def start(self) -> None:
        self.ipc_dir.mkdir(parents=True, exist_ok=True)
        loop = asyncio.get_running_loop()
        try:
            for player in self.devices.values():
                await self._listen(player.device, player)
            await asyncio.gather(*(mpv.start() for mpv in self.mpvs.values()))
        except BaseException:
            await self.stop()
            raise
        self._status_task = loop.create_task(self._report(), name="player-status")
        for player in self.devices.values():
            missing = player.status().missing
            if missing:
                log.warning("%s: %d media missing under %s: %s", player.device.id,
                            len(missing), self.media, ", ".join(missing[:5]))

    async def _listen(self, device: Device, player: DevicePlayer) -> None:
        loop = asyncio.get_running_loop()
        transport = device.transport or "udp"
        where = f"{device.host}:{device.port}"
        if transport not in ("udp", "tcp", "tcp-slip"):
            raise PlayerError(f"{device.id}: transport {transport} is not the player's: it "
                              "speaks OSC over UDP, or TCP with SLIP framing (OSC 1.1)")
        try:
            if transport != "udp":
                server = await loop.create_server(lambda: _Tcp(player), device.host,
                                                  device.port, reuse_address=True)
                self._servers.append(server)
            else:
                udp, _ = await loop.create_datagram_endpoint(
                    lambda: _Udp(player), local_addr=(device.host, device.port))
                self._servers.append(udp)
        except OSError as exc:
            raise PlayerError(f"{device.id}: cannot listen on {where} ({transport}): "
                              f"{exc.strerror or exc}") from None
        log.info("%s: listening on %s (%s), mpv IPC at %s", device.id, where, transport,
                 self.ipc_dir / f"{device.id}.sock")

    async def _report(self) -> None:
        """Every device's status once a second, on a fixed grid (no drift)."""
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            for player in self.devices.values():
                self._send_status(player.status())
            due += STATUS_INTERVAL
            await asyncio.sleep(max(0.0, due - loop.time()))

    def _send_status(self, status: PlayerStatus) -> None:
        data = encode_message(STATUS_ADDRESS, status.device, status.to_json())
        try:
            self._status_sock.sendto(data, self.venue.osc.listen)
        except OSError as exc:  # the controller is down or the buffer full: next second
            self.status_errors += 1
            if self.status_errors in (1, 10, 100) or self.status_errors % 1000 == 0:
                log.warning("status to %s:%s failed (%d times): %s", *self.venue.osc.listen,
                            self.status_errors, exc)

    async def stop(self) -> None:
        if self._status_task is not None:
            self._status_task.cancel()
            await asyncio.gather(self._status_task, return_exceptions=True)
        for server in self._servers:
            server.close()
        for player in self.devices.values():
            await player.close()
        for mpv in self.mpvs.values():
            with contextlib.suppress(Exception):
                await mpv.stop()
        self._status_sock.close()
