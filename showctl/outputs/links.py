"""A device's own connection, for products that are not sent plain UDP from the shared
socket: OSC over TCP (SLIP or length-prefixed framing), UDP from a socket of its own
(so that its replies come back to us), and PJLink projectors.

A link never blocks the caller and never raises from `send`: a command for a device
that is not connected is dropped and counted (the show goes on for the others), and the
link reconnects by itself with a bounded back-off. What a device sends back (its replies,
its feedback) goes to `on_packet`; for PJLink, each status poll's answer.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import Callable
from ipaddress import ip_address
from typing import Protocol

from showctl.codec.framing import FRAMINGS, Framing, decoder, frame
from showctl.outputs.pjlink import PjlinkError, Projector, ProjectorStatus

log = logging.getLogger(__name__)

MAX_PACKET = 65536  # largest packet a device may send us; a longer frame is discarded
MAX_BACKLOG = 1 << 20  # bytes a TCP device may leave unread before we drop the connection
BACKOFF = (0.5, 1.0, 2.0, 5.0)  # seconds between connection attempts, the last repeated
OnPacket = Callable[[bytes], None]


class Link(Protocol):
    sent: int
    dropped: int

    @property
    def connected(self) -> bool: ...

    def send(self, data: bytes) -> None: ...

    def start(self) -> None:
        """Opens (or starts connecting): needs a running loop."""
        ...

    def close(self) -> None:
        """Closes at once (a socket a reloaded venue binds again must be free now)."""
        ...


WILDCARDS = ("", "0.0.0.0", "::")


def route_source(to: tuple[str, int]) -> str | None:
    """The address the kernel sends from to reach `to` (a numeric address), found by
    connecting a UDP socket (nothing is sent); None when there is no route."""
    family = socket.AF_INET6 if ":" in to[0] else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect(to)
            return str(probe.getsockname()[0])
    except OSError:
        return None


def bind_address(listen: str, to: tuple[str, int] | None) -> str:
    """Where a device's own UDP socket binds: the venue's `osc.listen` host when it is a
    wildcard or the address the device's route leaves from (its replies then come where
    the venue said), else the route's own source address (the kernel's choice: the
    default `127.0.0.1` cannot send to a LAN device, Linux says EINVAL). With no route,
    or a name not resolved yet, the listen host, or the wildcard of its family when
    that is loopback (the link says why it cannot send, once; replies count only from
    the device's address whatever the socket is bound to)."""
    if listen in WILDCARDS:
        return listen
    if to is None:  # a name not resolved yet: where it will lead is not known
        try:
            loopback = ip_address(listen).is_loopback
        except ValueError:
            return listen
        return ("::" if ":" in listen else "0.0.0.0") if loopback else listen
    source = route_source(to)
    if source is not None:
        return source
    try:
        loopback = ip_address(listen).is_loopback
    except ValueError:
        return listen
    if loopback and not ip_address(to[0]).is_loopback:
        return "::" if ":" in listen else "0.0.0.0"
    return listen


def _same_host(expected: str, actual: str) -> bool:
    """Replies count only from the device's own address (a host name: any address)."""
    try:
        return ip_address(expected) == ip_address(actual)
    except ValueError:
        return True


class UdpLink:
    """UDP from a socket of the device's own, bound to `bind` (port 0: any free port),
    so the device's replies (sent to the source port, or to the port the venue gives as
    its `feedback_port`) come back here."""

    def __init__(self, host: str, port: int, on_packet: OnPacket,
                 bind: tuple[str, int] = ("127.0.0.1", 0), name: str = "",
                 resolve: Callable[[], str | None] | None = None) -> None:
        self.host, self.port, self.on_packet, self.bind = host, port, on_packet, bind
        self.resolve = resolve
        """The device's address now, for a host name (outputs.resolve: never a lookup
        here, `sendto` with a name would block the loop); None: `host` is an address."""
        self.name = name or f"{host}:{port}"
        self.sent = self.dropped = 0
        self.failing: str | None = None
        """Why the last send failed (said once, until a send works again)."""
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def connected(self) -> bool:
        return self._sock is not None

    @property
    def local_port(self) -> int:
        return self._sock.getsockname()[1] if self._sock is not None else 0

    def start(self) -> None:
        family = socket.AF_INET6 if ":" in self.bind[0] else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        sock.setblocking(False)
        try:
            sock.bind(self.bind)
        except OSError:
            sock.close()
            raise
        self._sock, self._loop = sock, asyncio.get_running_loop()
        self._loop.add_reader(sock.fileno(), self._readable)

    def _readable(self) -> None:
        sock = self._sock
        for _ in range(64):  # bounded: a flood cannot hold the loop
            if sock is None:
                return
            try:
                data, addr = sock.recvfrom(MAX_PACKET)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:  # ICMP port unreachable from a device that is not there
                continue
            if self.resolve is not None:
                if self.resolve() == addr[0]:
                    self.on_packet(data)
            elif _same_host(self.host, addr[0]):
                self.on_packet(data)

    def send(self, data: bytes) -> None:
        if self._sock is None:
            self.dropped += 1
            return
        host = self.resolve() if self.resolve is not None else self.host
        if host is None:
            self.dropped += 1
            if self.failing != "not resolved":
                self.failing = "not resolved"
                # at start, before the first lookup, as much as after (the resolver
                # says why a name does not resolve)
                log.info("%s: %s has no address yet: nothing sent until it resolves",
                         self.name, self.host)
            return
        try:
            self._sock.sendto(data, (host, self.port))
            self.sent += 1
        except OSError as exc:
            self.dropped += 1
            reason = exc.strerror or str(exc)
            if reason != self.failing:
                self.failing = reason
                log.warning("%s: cannot send to %s:%s from %s: %s (said once)", self.name,
                            self.host, self.port, self.bind[0] or "*", reason)
            return
        if self.failing is not None:
            self.failing = None
            log.info("%s: sends to %s:%s again", self.name, self.host, self.port)

    def close(self) -> None:
        if self._sock is not None and self._loop is not None:
            self._loop.remove_reader(self._sock.fileno())
            self._sock.close()
        self._sock = None


class TcpLink:
    """OSC over one TCP connection, framed `slip` (OSC 1.1) or `length` (OSC 1.0: an
    int32 size before each packet). `greeting()` gives the packets sent first on every
    (re)connection (QLab's `/connect` with the passcode)."""

    def __init__(self, host: str, port: int, framing: Framing, on_packet: OnPacket,
                 greeting: Callable[[], list[bytes]] = list, timeout: float = 3.0) -> None:
        if framing not in FRAMINGS:
            raise ValueError(f"unknown framing {framing!r}")
        self.host, self.port, self.framing = host, port, framing
        self.on_packet, self.greeting, self.timeout = on_packet, greeting, timeout
        self.sent = self.dropped = 0
        self.connects = 0
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        return self._writer is not None and not self._writer.is_closing()

    def frame(self, data: bytes) -> bytes:
        return frame(data, self.framing)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"link {self.host}:{self.port}")

    async def _run(self) -> None:
        attempt = 0
        while True:
            try:
                async with asyncio.timeout(self.timeout):
                    reader, writer = await asyncio.open_connection(self.host, self.port)
            except (OSError, TimeoutError) as exc:
                if attempt == 0:
                    log.warning("%s:%s: cannot connect (%s); retrying", self.host, self.port,
                                getattr(exc, "strerror", None) or exc or "timeout")
                await asyncio.sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
                attempt += 1
                continue
            attempt = 0
            self.connects += 1
            self._writer = writer
            for packet in self.greeting():
                self.send(packet)
            try:
                await self._read(reader)
            except (OSError, asyncio.IncompleteReadError):
                pass
            finally:
                self._writer = None
                writer.close()
            log.warning("%s:%s: connection lost; reconnecting", self.host, self.port)
            await asyncio.sleep(BACKOFF[0])

    async def _read(self, reader: asyncio.StreamReader) -> None:
        frames = decoder(self.framing, MAX_PACKET)
        while data := await reader.read(65536):
            packets, _errors = frames.feed(data)
            for packet in packets:
                self.on_packet(packet)
            if frames.broken:
                return  # garbage: drop the connection and start again

    def send(self, data: bytes) -> None:
        writer = self._writer
        if writer is None or writer.is_closing():
            self.dropped += 1
            return
        if writer.transport.get_write_buffer_size() > MAX_BACKLOG:
            self.dropped += 1
            writer.transport.abort()  # it reads nothing: start a fresh connection
            return
        writer.write(self.frame(data))
        self.sent += 1

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        if self._writer is not None:
            self._writer.close()
        self._writer = None


class PjlinkLink:
    """A projector: `send` takes one PJLink command line (`%1AVMT 31\\r`, what the
    `pjlink` profile encodes) and runs it on the projector's kept connection, before any
    poll query waiting (showctl.outputs.pjlink); `poll_soon()` asks its status at most
    every `period` seconds (`now`: the controller's monotonic clock), handed to
    `on_status` (an answer is what makes the projector online)."""

    def __init__(self, projector: Projector, on_status: Callable[[ProjectorStatus], None],
                 period: float = 5.0, now: Callable[[], float] | None = None) -> None:
        self.projector, self.on_status, self.period = projector, on_status, period
        self.now = now or time.monotonic
        self.sent = self.dropped = 0
        self.polls = 0
        self.last_error: str | None = None
        self._tasks: set[asyncio.Task[object]] = set()
        self._polled: float | None = None
        self._closing: asyncio.Task[None] | None = None

    @property
    def connected(self) -> bool:
        return self.last_error is None

    def start(self) -> None:
        return None

    def send(self, data: bytes) -> None:
        line = data.decode("ascii", "replace").rstrip("\r")
        if len(line) < 7 or not line.startswith("%1"):
            self.dropped += 1
            return
        task = asyncio.get_running_loop().create_task(self._command(line[2:6], line[7:]))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _command(self, body: str, param: str) -> None:
        try:
            await self.projector.command(body, param)
            self.sent += 1
        except PjlinkError as exc:
            self.dropped += 1
            self.last_error = str(exc)
            log.warning("%s", exc)

    def poll_soon(self) -> None:
        """A status poll in the background, unless one is under way or the last began
        less than `period` ago."""
        now = self.now()
        if any(t.get_name() == "pjlink poll" for t in self._tasks) or (
                self._polled is not None and now - self._polled < self.period):
            return
        self._polled = now
        self.polls += 1
        task = asyncio.get_running_loop().create_task(self.poll(), name="pjlink poll")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def poll(self) -> ProjectorStatus | None:
        try:
            status = await self.projector.status()
        except PjlinkError as exc:
            self.last_error = str(exc)
            return None
        self.last_error = None
        self.on_status(status)
        return status

    def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop: nothing was opened
        self._closing = loop.create_task(self.projector.close())
