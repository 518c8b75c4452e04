"""The two ways packets arrive: UDP datagrams and TCP streams with SLIP framing.

Both hand whole packets to `OscServer.handle_packet` and never parse anything
themselves; the TCP side only unframes, caps its buffer and its write backlog.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
import sys
import time
from typing import TYPE_CHECKING

from showctl.codec import framing, slip
from showctl.connlimits import FACE_MAX
from showctl.osc.clients import Client

if TYPE_CHECKING:
    from showctl.osc.server import OscServer

MAX_TCP_CLIENTS = FACE_MAX["osc"]  # the budget's cap for OSC/TCP
IDLE_TCP = 120.0
"""Seconds a TCP client may stay silent before it is dropped (twice a subscription's
life: a subscriber keeps talking anyway)."""
EVICT_AFTER = 10.0
"""When every TCP place is taken, a newcomer takes that of a client silent this long."""
MAX_BACKLOG = 1 << 20  # bytes a TCP client may leave unread before it is dropped
_ids = itertools.count(1)


SO_RXQ_OVFL = getattr(socket, "SO_RXQ_OVFL", 40)  # Linux: the socket's drop counter
FAIR_FOR = 1.0
"""Seconds fair reading lasts after the input last fell behind."""
SHARE_BURST = 0.02
"""Seconds of handling a source may spend at once while reading fairly."""
TALKERS_FOR = 10.0
"""Seconds a source counts among those sharing the input after its last packet (devices
heartbeat every second or so: they keep their place through a flood)."""
DRAIN_BUDGET = 0.001
"""Seconds one wake-up may spend while reading fairly (mostly dropping a flood unread)."""
MAX_SOURCES = 1024


class _Share:
    """A source's handling time while reading fairly: a bucket of seconds."""

    __slots__ = ("seen", "tokens")

    def __init__(self, now: float) -> None:
        self.seen, self.tokens = now, SHARE_BURST

    def refill(self, now: float, rate: float) -> None:
        self.tokens = min(SHARE_BURST, self.tokens + (now - self.seen) * rate)
        self.seen = now


class UdpInput:
    """The UDP socket, drained in batches on one readiness callback.

    asyncio's datagram transport wakes the selector once per datagram; draining up to
    datagrams per wake-up more than doubles what one core handles. Each wake-up is
    bounded to BUDGET seconds of work, so the show's dispatcher, which wakes 2 ms early
    and spins, never waits long behind it.

    Fair per source: when the input falls behind (a wake-up's budget ends before the
    socket is empty, or the kernel drops datagrams: its counter, SO_RXQ_OVFL, is read on
    the first datagram of each wake-up) while more than one source is talking, each of
    the N sources may spend 1/N of the time handling its packets; a source over its
    share has its packets read and dropped undecoded (`osc.flood`). A flooding host then
    costs a `recv` a packet, the queue drains, and the other hosts' heartbeats and
    commands are handled at once. A single busy source is never throttled. Falling
    behind is told to the controller, whose liveness then allows for heartbeats lost or
    still queued.
    """

    BUDGET = 0.0003

    def __init__(self, server: OscServer, sock: socket.socket) -> None:
        self.server, self.sock = server, sock
        sock.setblocking(False)
        with contextlib.suppress(OSError):  # not Linux: no drop counter
            sock.setsockopt(socket.SOL_SOCKET, SO_RXQ_OVFL, 1)
        self._drops = 0  # the kernel's count at the last sample
        self._behind_until = float("-inf")
        self._shares: dict[str, _Share] = {}
        self.flooded = 0  # datagrams read and dropped by the fair share
        self.loop = asyncio.get_running_loop()
        self.loop.add_reader(sock.fileno(), self._read_ready)

    def _sample_drops(self, now: float) -> tuple[bytes, tuple[str, int]] | None:
        """One datagram, read with the kernel's drop counter."""
        try:
            data, anc, _, addr = self.sock.recvmsg(65536, socket.CMSG_SPACE(4))
        except (BlockingIOError, InterruptedError):
            return None
        except OSError as exc:
            self.server.complain("send_failed", f"UDP: {exc}")
            return None
        for level, kind, raw in anc:
            if level == socket.SOL_SOCKET and kind == SO_RXQ_OVFL and len(raw) >= 4:
                drops = int.from_bytes(raw[:4], sys.byteorder)
                if drops != self._drops:
                    lost, self._drops = (drops - self._drops) % (1 << 32), drops
                    self._behind(now, lost)
        return data, addr

    def _read_ready(self) -> None:
        now = time.perf_counter()
        first = self._sample_drops(now)
        if first is None:
            return
        talking = self._talking(now)
        fair = now < self._behind_until and talking > 1
        rate = 1.0 / max(1, talking)
        until = now + (DRAIN_BUDGET if fair else self.BUDGET)
        recv, packet = self.sock.recvfrom, first
        while True:
            data, addr = packet
            host = addr[0]
            share = self._shares.get(host)
            if share is None:
                if len(self._shares) >= MAX_SOURCES:
                    self._shares.clear()
                share = self._shares[host] = _Share(now)
            if fair:
                share.refill(now, rate)
                if share.tokens <= 0:
                    self.flooded += 1
                    self.server.controller.count("osc.flood")
                    now = time.perf_counter()
                else:
                    self._handle(data, addr)
                    after = time.perf_counter()
                    share.tokens -= after - now
                    now = after
            else:
                share.seen = now
                self._handle(data, addr)
                now = time.perf_counter()
            if now >= until:
                if self._pending():
                    self._behind(now, 0)  # the budget is spent and more is waiting
                return
            try:
                packet = recv(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # e.g. an ICMP "port unreachable" from a gone client
                self.server.complain("send_failed", f"UDP: {exc}")
                return

    def _pending(self) -> bool:
        try:
            self.sock.recv(1, socket.MSG_PEEK)
        except OSError:  # BlockingIOError: empty
            return False
        return True

    def _behind(self, now: float, lost: int) -> None:
        told = now - self._behind_until + FAIR_FOR > 0.1  # tell at most ten times a second
        self._behind_until = now + FAIR_FOR
        if lost or told:
            self.server.behind(lost)

    def _talking(self, now: float) -> int:
        """Sources heard within TALKERS_FOR (the table is bounded, stale ones forgotten)."""
        fresh = {h: s for h, s in self._shares.items() if now - s.seen < TALKERS_FOR}
        if len(fresh) != len(self._shares):
            self._shares = fresh
        return len(fresh)

    def _handle(self, data: bytes, addr: tuple[str, int]) -> None:
        server, host = self.server, addr[0]
        if server.allowed(host):
            server.clients.received(host, len(data))  # what its replies may add up to
            server.handle_packet(data, server.clients.udp(host, addr[1], self._send))

    def _send(self, packet: bytes, dest: tuple[str, int]) -> None:
        try:
            self.sock.sendto(packet, dest)
        except OSError as exc:  # full buffer or gone peer: a lost reply, never a stop
            self.server.complain("send_failed", f"reply to {dest[0]}:{dest[1]}: {exc}")

    def close(self) -> None:
        if self.sock.fileno() >= 0:
            self.loop.remove_reader(self.sock.fileno())
            self.sock.close()


def detect_framing(first: int) -> framing.Framing | None:
    """A connection's framing from its first byte: OSC 1.0's int32 size starts with 0 (no
    packet is 16 MB), SLIP with END (0xC0, double-END encoders) or the packet itself
    (`/` an address, `#` a bundle); anything else is neither."""
    if first == 0:
        return "length"
    if first in (slip.END, ord("/"), ord("#")):
        return "slip"
    return None


class TcpInput(asyncio.Protocol):
    """One OSC/TCP connection. Its framing (OSC 1.1 SLIP, or OSC 1.0's length prefix, as
    liblo's `osc.tcp://` and many libraries send) is told from its first byte, and its
    replies go back in the same framing."""

    def __init__(self, server: OscServer) -> None:
        self.server = server
        self.framing: framing.Framing | None = None
        self.decoder: framing.Decoder | None = None
        self.transport: asyncio.Transport | None = None
        self.client: Client | None = None
        self.host = ""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        host, port = transport.get_extra_info("peername")[:2]
        server = self.server
        if not server.allowed(host):
            transport.abort()
            return
        if len(server.connections) >= MAX_TCP_CLIENTS:
            server.evict_idle()  # a silent client's place first, else the budget's choice
        why = server.budget.admit("osc", host, self, self.close)
        if why is not None:
            server.complain("too_many_connections", f"refused TCP {host}:{port}: {why}")
            transport.abort()
            return
        self.host = host
        self.client = server.clients.tcp(next(_ids), host, port, self._send)
        server.connections.add(self)

    def data_received(self, data: bytes) -> None:
        client = self.client
        if client is None:
            return
        if self.decoder is None:
            if not data:
                return
            self.framing = detect_framing(data[0])
            if self.framing is None:  # said in the log and to the client (in SLIP), then closed
                self.framing = "slip"
                self.server.reject(client, "unknown_framing", "cannot tell the TCP framing: "
                                   f"first byte 0x{data[0]:02x} is neither SLIP (0xC0, '/' "
                                   "or '#') nor an OSC 1.0 int32 length (0x00)")
                self.close()
                return
            self.decoder = framing.decoder(self.framing, self.server.max_packet)
        packets, errors = self.decoder.feed(data)
        kind = "SLIP frame" if self.framing == "slip" else "length-prefixed packet"
        for reason in errors:
            self.server.reject(client, reason, f"{reason} {kind} discarded")
        for packet in packets:
            self.server.handle_packet(packet, client)
        if self.decoder.broken:  # a length past the limit: no delimiter to resync at
            self.close()

    def _send(self, packet: bytes, dest: tuple[str, int]) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if transport.get_write_buffer_size() > MAX_BACKLOG:
            self.server.complain("slow_client", f"dropped TCP {dest[0]}:{dest[1]}: "
                                 "it does not read its replies")
            transport.abort()
            return
        transport.write(framing.frame(packet, self.framing or "slip"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.budget.release("osc", self.host, self)
        if self.client is not None:
            self.server.clients.forget(self.client)
            self.client = None
        self.server.connections.discard(self)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
