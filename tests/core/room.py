"""A throwaway venue with a real UDP receiver on every device port, and a controller
on a FakeClock: what each device got, and at which (fake) instant."""

from __future__ import annotations

import asyncio
import errno
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_message import OscMessage

from showctl.core.clock import FakeClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.outputs.profiles.showctl import ShowctlProfile
from tests.support import free_port, write_config

WALL0 = 1_800_000_000.0
MONO0 = 1000.0
LEAD = ShowctlProfile.default_lead
"""How early a `showctl` device without `latency` gets its bundles."""


@dataclass
class Got:
    """One datagram: fake monotonic arrival, bundle timetag (None: plain message), and
    that timetag exactly as sent (NTP units of 2**-32 s)."""

    at: float
    timetag: float | None
    messages: list[tuple[str, tuple[Any, ...]]]
    ntp: int | None = None


def decode(data: bytes) -> tuple[float | None, list[tuple[str, tuple[Any, ...]]]]:
    if OscBundle.dgram_is_bundle(data):
        bundle = OscBundle(data)
        return bundle.timestamp, [(m.address, tuple(m.params)) for m in bundle]
    msg = OscMessage(data)
    return None, [(msg.address, tuple(msg.params))]


class Receiver(asyncio.DatagramProtocol):
    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.got: list[Got] = []

    def datagram_received(self, data: bytes, addr: Any) -> None:
        timetag, messages = decode(data)
        ntp = int.from_bytes(data[8:16], "big") if timetag is not None else None
        self.got.append(Got(self.clock.monotonic(), timetag, messages, ntp))

    def addresses(self, prefix: str = "/") -> list[tuple[str, tuple[Any, ...]]]:
        return [m for g in self.got for m in g.messages if m[0].startswith(prefix)]

    def without_clock(self) -> list[Got]:
        return [g for g in self.got if g.messages[0][0] != "/showctl/player/clock"]


@dataclass
class Room:
    clock: FakeClock
    controller: Controller
    rx: dict[str, Receiver]
    events: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)
    transports: list[asyncio.BaseTransport] = field(default_factory=list)

    def t(self, show_time: float, t0: float) -> float:
        return t0 + show_time

    def clear(self) -> None:
        for r in self.rx.values():
            r.got.clear()
        self.events.clear()

    def kinds(self, kind: str) -> list[dict[str, Any]]:
        return [d for _, k, d in self.events if k == kind]

    async def close(self) -> None:
        await self.controller.close()
        for t in self.transports:
            t.close()


def add_devices(venue_path: Path, *devices: dict[str, Any],
                patch: dict[str, dict[str, Any]] | None = None) -> None:
    data = yaml.safe_load(venue_path.read_text())
    for device in devices:
        data["devices"].append({"host": "127.0.0.1", "port": free_port(), **device})
    for device in data["devices"]:
        device.update((patch or {}).get(device["id"], {}))
    venue_path.write_text(yaml.safe_dump(data, sort_keys=False))


async def open_room(root: Path, **options: Any) -> Room:
    """Retries with fresh ports when one was taken meanwhile (free_port cannot reserve:
    other processes on this machine pick ephemeral ports too)."""
    for attempt in range(3):
        try:
            return await _open_room(root / f"room{attempt}", **options)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE or attempt == 2:
                raise
    raise AssertionError("unreachable")


async def _open_room(root: Path, *, shows: list[dict] | None = None,
                     extra_devices: tuple[dict[str, Any], ...] = (),
                     venue_extra: dict | None = None,
                     patch: dict[str, dict[str, Any]] | None = None) -> Room:
    root.mkdir(parents=True)
    path = write_config(root, shows=shows, venue_extra=venue_extra)
    add_devices(path, *extra_devices, patch=patch)
    config = load_config(path)
    clock = FakeClock(monotonic=MONO0, wall=WALL0)
    controller = Controller(config, clock)
    loop = asyncio.get_running_loop()
    room = Room(clock, controller, {})
    try:
        for device in config.venue.devices:
            transport, proto = await loop.create_datagram_endpoint(
                lambda: Receiver(clock), local_addr=(device.host, device.port))
            room.rx[device.id] = proto
            room.transports.append(transport)
    except OSError:
        await room.close()
        raise
    controller.bus.subscribe(lambda e: room.events.append((clock.monotonic(), e.kind, e.data)))
    return room
