"""A controller on a FakeClock with its OSC input on a free loopback port, and a real
UDP receiver on every device port."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from showctl.codec.osc import decode
from showctl.core.clock import FakeClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.osc import OscServer
from tests.core.room import add_devices
from tests.osc.clients import TcpClient, UdpClient
from tests.support import write_config


class Screen(asyncio.DatagramProtocol):
    """A device's port: every OSC message it gets, and a way to wait for one."""

    def __init__(self) -> None:
        self.got: list[tuple[str, tuple[Any, ...]]] = []
        self._arrived = asyncio.Event()

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.got += [(m.address, m.args) for m in decode(data)]
        self._arrived.set()

    def addresses(self) -> list[str]:
        return [a for a, _ in self.got if a != "/showctl/player/clock"]

    async def wait_for(self, address: str, timeout: float = 3.0) -> tuple[Any, ...]:
        """The arguments of the first `address` received (now or within `timeout`)."""
        async with asyncio.timeout(timeout):
            while True:
                for got, args in self.got:
                    if got == address:
                        return args
                self._arrived.clear()
                await self._arrived.wait()


@dataclass
class Rig:
    clock: FakeClock
    controller: Controller
    server: OscServer
    screens: dict[str, Screen]
    opened: list[Any]

    async def release(self, device: str) -> int:
        """Closes the test's receiver on a device port (for an outside tool); its port."""
        for thing in self.opened:
            if getattr(thing, "get_protocol", lambda: None)() is self.screens[device]:
                thing.close()
        await asyncio.sleep(0)  # the socket closes on the loop's next turn
        return self.controller.config.venue.device(device).port

    @property
    def port(self) -> int:
        return self.server.port

    async def udp(self, host: str = "127.0.0.1") -> UdpClient:
        client = await UdpClient.open(self.port, host)
        self.opened.append(client)
        return client

    async def tcp(self, host: str = "127.0.0.1") -> TcpClient:
        client = await TcpClient.open(self.port, host)
        self.opened.append(client)
        return client

    def counter(self, name: str) -> int:
        return self.controller.status()["counters"].get(name, 0)


async def open_rig(root: Path, clock: FakeClock | None = None,
                   extra_devices: tuple[dict[str, Any], ...] = (), **venue_extra: Any) -> Rig:
    path = write_config(root, venue_extra=venue_extra or None)
    add_devices(path, *extra_devices)
    config = load_config(path)
    clock = clock or FakeClock()
    controller = Controller(config, clock)
    loop = asyncio.get_running_loop()
    screens: dict[str, Screen] = {}
    opened: list[Any] = []
    for device in config.venue.devices:
        transport, rx = await loop.create_datagram_endpoint(
            Screen, local_addr=(device.host, device.port))
        screens[device.id] = rx
        opened.append(transport)
    server = OscServer(controller)
    await server.start()
    return Rig(clock, controller, server, screens, opened)


@asynccontextmanager
async def rig_with(root: Path, clock: FakeClock | None = None,
                   extra_devices: tuple[dict[str, Any], ...] = (),
                   **venue_extra: Any) -> AsyncIterator[Rig]:
    """A rig on a venue with extra keys (passcode, allow...) and devices."""
    rig = await open_rig(root, clock, extra_devices, **venue_extra)
    try:
        yield rig
    finally:
        await close_rig(rig)


async def close_rig(rig: Rig) -> None:
    await rig.server.stop()
    await rig.controller.close()
    for thing in rig.opened:
        thing.close()
