"""A showctl controller in the room: a venue file whose devices are on the room's hosts,
`showctl run` started inside the controller's host, and the test's tools on other hosts
(an integrator's OSC client, a device's socket that records what it got).

    venue = room_venue(room, tmp_path, devices=[eos_on(room, "lighting", port)])
    async with RoomController.start(room, venue) as ctl:
        client = await ctl.osc_client("integrator")
        await client.ok("/showctl/start", "small")
"""

from __future__ import annotations

import asyncio
import os
import select
import socket
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.osc.clients import UdpClient
from tests.support import SMALL_SHOW
from tests.venue.room import SCREENS, VenueRoom

ROOT = Path(__file__).resolve().parents[2]
OSC_PORT = 53300
"""The room is the test's own network: fixed ports are free there (no other process)."""
WEB_PORT = 8300
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux; Python 3.11 lacks the name


def screens_on(room: VenueRoom, port: int = 9000, count: int = 9) -> list[dict[str, Any]]:
    """The nine screens, `showctl` players on their own hosts."""
    return [{"id": s, "kind": "screen", "index": n, "angle": (n - 1) * 40,
             "host": room.address(s), "port": port, "profile": "showctl"}
            for n, s in enumerate(SCREENS[:count], start=1)]


def room_venue(room: VenueRoom, root: Path, *, devices: list[dict[str, Any]] | None = None,
               osc: dict[str, Any] | None = None, web: dict[str, Any] | None = None,
               shows: list[dict[str, Any]] | None = None, extra: dict[str, Any] | None = None,
               ) -> Path:
    """config/venue.yaml, schedule.yaml and shows/ under `root` for the room: by default
    the nine screens and an OSC input left at the default host (127.0.0.1), as a venue
    that only changed its devices would be."""
    (root / "config").mkdir(parents=True, exist_ok=True)
    (root / "shows").mkdir(exist_ok=True)
    venue = {
        "venue": "venue-room",
        "timezone": "Europe/Paris",
        "state_dir": str(root / "var"),
        "osc": {"listen": f"127.0.0.1:{OSC_PORT}", **(osc or {})},
        "web": {"listen": f"127.0.0.1:{WEB_PORT}", **(web or {})},
        "devices": devices if devices is not None else screens_on(room),
        "safe_look": {"lights": "100", "fade": 0},
        **(extra or {}),
    }
    for show in shows if shows is not None else [SMALL_SHOW]:
        (root / "shows" / f"{show['id']}.yaml").write_text(yaml.safe_dump(show, sort_keys=False))
    (root / "config" / "schedule.yaml").write_text(yaml.safe_dump({"shows": []}))
    path = root / "config" / "venue.yaml"
    path.write_text(yaml.safe_dump(venue, sort_keys=False))
    return path


@dataclass
class RoomController:
    """`showctl run` inside a host of the room; its log lines as they come."""

    room: VenueRoom
    host: str
    proc: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    clients: list[UdpClient] = field(default_factory=list)

    @classmethod
    async def launch(cls, room: VenueRoom, venue: Path, *, host: str = "ctl",
                     args: tuple[str, ...] = (), command: list[str] | None = None,
                     env: dict[str, str] | None = None) -> RoomController:
        """`showctl run --config VENUE ARGS` (or `command`, its output read the same
        way) inside `host`; returns once it said `ready:`."""
        env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
        argv = command or [sys.executable, "-m", "showctl", "run", "--config", str(venue),
                           *args]
        proc = await room.spawn(host, argv, env=env, stderr=asyncio.subprocess.PIPE,
                                stdout=asyncio.subprocess.DEVNULL,
                                start_new_session=True)
        ctl = cls(room, host, proc)
        try:
            await ctl.wait_for("ready:")
        except BaseException:
            await ctl.stop()
            raise
        return ctl

    async def wait_for(self, text: str, timeout: float = 20.0) -> str:
        """The first line from now on (or already read) that holds `text`."""
        for line in self.lines:
            if text in line:
                return line
        assert self.proc.stderr is not None
        async with asyncio.timeout(timeout):
            while True:
                raw = await self.proc.stderr.readline()
                assert raw, "controller ended; its output:\n" + "".join(self.lines)
                self.lines.append(raw.decode())
                if text in self.lines[-1]:
                    return self.lines[-1]

    async def read_for(self, seconds: float) -> None:
        """Reads the log for `seconds` (what it said meanwhile lands in `lines`)."""
        assert self.proc.stderr is not None
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while (left := end - loop.time()) > 0:
            try:
                raw = await asyncio.wait_for(self.proc.stderr.readline(), left)
            except TimeoutError:
                return
            if not raw:
                return
            self.lines.append(raw.decode())

    def said(self, text: str) -> list[str]:
        return [line for line in self.lines if text in line]

    async def osc_client(self, host: str, *, to: str | None = None,
                         port: int = OSC_PORT) -> UdpClient:
        """An OSC/UDP client on `host` aimed at the controller (`to`: its address by
        default, or a name or any address)."""
        loop = asyncio.get_running_loop()
        to = to or self.room.address(self.host)
        local = "127.0.0.1" if to.startswith("127.") else None
        sock = self.room.socket(host, socket.SOCK_DGRAM, bind=0, address=local)
        _, client = await loop.create_datagram_endpoint(UdpClient, sock=sock)
        client.target = (to, port)
        self.clients.append(client)
        return client

    async def stop(self) -> None:
        for client in self.clients:
            client.close()
        if self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()

    async def __aenter__(self) -> RoomController:
        return self

    async def __aexit__(self, kind: object, *exc: object) -> None:
        await self.stop()
        if kind is not None:  # shown by pytest beside the failure
            await self.read_for(1.0)
            print(f"controller on {self.host} said:\n" + "".join(self.lines))


class DeviceSocket:
    """A device's UDP port on its host: what it got and from where (blocking reads)."""

    def __init__(self, room: VenueRoom, host: str, port: int = 0,
                 address: str | None = None) -> None:
        self.sock = room.socket(host, socket.SOCK_DGRAM, bind=port, address=address)
        self.port = self.sock.getsockname()[1]

    def receive(self, timeout: float) -> tuple[bytes, tuple[str, int]] | None:
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            return None
        return self.sock.recvfrom(65536)

    async def next(self, timeout: float = 5.0) -> tuple[bytes, tuple[str, int]] | None:
        return await asyncio.to_thread(self.receive, timeout)

    def stamp(self) -> None:
        """From now on `receive_stamped` gives the kernel's arrival time of each packet."""
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)

    def receive_stamped(self, timeout: float) -> tuple[bytes, float] | None:
        """A packet and its arrival (the kernel's stamp, wall clock; `stamp()` first)."""
        ready, _, _ = select.select([self.sock], [], [], timeout)
        if not ready:
            return None
        data, ancillary, _flags, _addr = self.sock.recvmsg(65536, 64)
        for level, kind, value in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                seconds, nanos = struct.unpack("@qq", value[:16])
                return data, seconds + nanos / 1e9
        raise AssertionError("no kernel time stamp (stamp() not called?)")

    def close(self) -> None:
        self.sock.close()


NTP_EPOCH = 2_208_988_800


def timetag(data: bytes) -> float | None:
    """A bundle's timetag as a Unix time (None: a plain message, or "at once")."""
    if not data.startswith(b"#bundle\0"):
        return None
    seconds, fraction = struct.unpack(">II", data[8:16])
    if (seconds, fraction) == (0, 1):
        return None
    return seconds - NTP_EPOCH + fraction / 2**32


def offline(status: dict[str, Any]) -> set[str]:
    """The devices a `/showctl/status` reply says are offline: the full status (TCP) or
    the compact one a UDP reply carries (`offline_ids`, up to 12 named)."""
    devices = status["devices"]
    if isinstance(devices, dict):
        assert devices["offline"] == len(devices["offline_ids"]), "more than 12 offline"
        return set(devices["offline_ids"])
    return {d["id"] for d in devices if not d["online"]}
