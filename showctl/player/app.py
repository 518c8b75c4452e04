"""`showctl player`: the devices of one PC, each with its listener, its mpv and its status.

It reads the venue through the model and the files' loader only (never the controller's
core): where each device listens (host:port, UDP or TCP with SLIP framing as the device
says), where the controller listens (`osc.listen`, for status; on a screen PC of a venue
`--controller` names the controller's address or host name instead, since the venue's
`127.0.0.1` or `0.0.0.0` there means the PC itself), and the shows (for the media each
device needs, reported when missing).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from showctl.codec import slip
from showctl.codec.osc import encode_message
from showctl.files.loader import Config
from showctl.model import Device
from showctl.model.player_status import STATUS_ADDRESS, STATUS_INTERVAL, PlayerStatus
from showctl.player.device import DevicePlayer
from showctl.player.guard import Guard
from showctl.player.media import needed_media
from showctl.player.mpv import MpvProcess
from showctl.player.picture import PictureKeeper

log = logging.getLogger(__name__)

PLAYABLE = ("screen", "audio")
MAX_PACKET = 65536
RESOLVE_EVERY = 10
"""Status rounds (seconds) between two look-ups of a controller given by name: a name
re-pointed (a spare controller) is followed; one that stops resolving keeps the last
address that did."""


class PlayerError(Exception):
    """A reason the player cannot start (an unknown device, a port in use): one line."""


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, device: DevicePlayer, guard: Guard) -> None:
        self.device, self.guard = device, guard

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        if self.guard.allowed(addr[0]):
            self.device.received(data, time.time())
        else:
            self.device.refused += 1


class _Tcp(asyncio.Protocol):
    """OSC 1.1 over TCP: SLIP frames from the controller (a device with `transport: tcp`)."""

    def __init__(self, device: DevicePlayer, guard: Guard) -> None:
        self.device, self.guard = device, guard
        self.decoder = slip.SlipDecoder(MAX_PACKET)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        if not peer or not self.guard.allowed(peer[0]):
            self.device.refused += 1
            transport.close()  # not the controller: not one byte is read

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
                 ipc_dir: Path, mpv_args: Sequence[str] = (),
                 controller: tuple[str, int] | None = None) -> None:
        venue = config.venue
        self.venue = venue
        self.controller = controller or venue.osc.listen
        """Where statuses go: (address or host name, port)."""
        self._status_to: tuple[str, int] | None = None if _is_name(self.controller[0]) \
            else self.controller
        self._unresolved: str | None = None
        self.media, self.ipc_dir = media, ipc_dir
        self.devices: dict[str, DevicePlayer] = {}
        self.guard = Guard(venue, self.controller[0])
        self.mpvs: dict[str, MpvProcess] = {}
        known = {d.id: d for d in venue.devices}
        try:
            self.picture = PictureKeeper([known[d] for d in device_ids if d in known],
                                         ipc_dir / "shaders", venue.source)
        except ValueError as exc:
            raise PlayerError(f"blend/geometry: {exc}") from None
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
                                  self._send_status, venue.player)
            self.devices[device_id] = player
            try:
                self.mpvs[device_id] = MpvProcess(
                    device_id, player.kind, ipc_dir / f"{device_id}.sock",
                    [*mpv_args, *self.picture.mpv_args(device_id)],
                    player.mpv_ready, player.new_ipc, on_exit=player.mpv_gone)
                self.picture.targets[device_id] = self._shader_setter(device_id)
            except ValueError as exc:
                raise PlayerError(str(exc)) from None
        self._servers: list[asyncio.BaseTransport | asyncio.AbstractServer] = []
        self._status_sock = socket.socket(
            socket.AF_INET6 if ":" in self.controller[0] else socket.AF_INET, socket.SOCK_DGRAM)
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
        if self._reports_to_itself():
            log.warning("statuses go to %s:%s (the venue's osc.listen), this PC itself, "
                        "while its devices listen on the LAN: on a screen PC give "
                        "--controller ADDRESS (or name) of the controller", *self.controller)
        self.guard.warn_if_open()
        self.picture.start(self._screens_now)
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
                server = await loop.create_server(lambda: _Tcp(player, self.guard), device.host,
                                                  device.port, reuse_address=True)
                self._servers.append(server)
            else:
                udp, _ = await loop.create_datagram_endpoint(
                    lambda: _Udp(player, self.guard), local_addr=(device.host, device.port))
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
        rounds = 0
        while True:
            if _is_name(self.controller[0]) and rounds % RESOLVE_EVERY == 0:
                await self._resolve()
            rounds += 1
            now = time.monotonic()
            for player in self.devices.values():
                player.watch_controller(now)  # the fail-safe: no controller, no picture
                self._send_status(player.status())
            due += STATUS_INTERVAL
            await asyncio.sleep(max(0.0, due - loop.time()))

    def _reports_to_itself(self) -> bool:
        """osc.listen's loopback or wildcard host used as the controller's address by a
        player whose devices are on a LAN address: the statuses never leave the PC."""
        try:
            target = ipaddress.ip_address(self.controller[0])
        except ValueError:
            return False
        if not (target.is_loopback or target.is_unspecified):
            return False
        for player in self.devices.values():
            try:
                if not ipaddress.ip_address(player.device.host).is_loopback:
                    return True
            except ValueError:
                return True
        return False

    async def _resolve(self) -> None:
        """The controller's name looked up (off the loop, bounded); the last good address
        kept when it does not resolve, said once until it does again."""
        name, port = self.controller
        family = socket.AF_INET6 if ":" in name else socket.AF_INET
        try:
            found = await asyncio.wait_for(asyncio.get_running_loop().getaddrinfo(
                name, port, family=family, type=socket.SOCK_DGRAM), 2.0)
            address = (str(found[0][4][0]), port)
        except (OSError, TimeoutError, IndexError) as exc:
            reason = getattr(exc, "strerror", None) or type(exc).__name__
            if self._unresolved != reason:
                self._unresolved = reason
                log.warning("controller %s does not resolve (%s): statuses go to %s", name,
                            reason, f"{self._status_to[0]}, its last address"
                            if self._status_to else "nowhere until it does")
            return
        if address != self._status_to or self._unresolved:
            log.info("controller %s is %s", name, address[0])
        self._status_to, self._unresolved = address, None
        self.guard.resolved(address[0])

    def _send_status(self, status: PlayerStatus) -> None:
        to = self._status_to
        if to is None:  # a controller name that never resolved yet
            self.status_errors += 1
            return
        data = encode_message(STATUS_ADDRESS, status.device, status.to_json())
        try:
            self._status_sock.sendto(data, to)
        except OSError as exc:  # the controller is down or the buffer full: next second
            self.status_errors += 1
            if self.status_errors in (1, 10, 100) or self.status_errors % 1000 == 0:
                log.warning("status to %s:%s failed (%d times): %s", *to,
                            self.status_errors, exc)

    def _screens_now(self) -> dict[str, Device]:
        assert self.venue.source is not None
        from showctl.files.loader import load_config
        return {d.id: d for d in load_config(self.venue.source).venue.devices}

    def _shader_setter(self, device_id: str) -> Callable[[list[str]], None]:
        """A changed shader: the running mpv loads it now, a restarted one from its args."""
        def set_shader(args: list[str]) -> None:
            mpv = self.mpvs[device_id]
            mpv.args = [a for a in mpv.args if not a.startswith("--glsl-shaders=")] + args
            ipc = self.devices[device_id].ipc
            if ipc is not None:
                ipc.send("set_property", "glsl-shaders",
                         [a.split("=", 1)[1] for a in args])
        return set_shader

    async def stop(self) -> None:
        await self.picture.stop()
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


def _is_name(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return True
    return False
