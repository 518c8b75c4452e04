"""The two ways packets arrive: UDP datagrams and TCP streams with SLIP framing.

Both hand whole packets to `OscServer.handle_packet` and never parse anything
themselves; the TCP side only unframes, caps its buffer and its write backlog.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
from typing import TYPE_CHECKING

from showctl.codec import slip
from showctl.osc.clients import Client

if TYPE_CHECKING:
    from showctl.osc.server import OscServer

MAX_TCP_CLIENTS = 64
MAX_BACKLOG = 1 << 20  # bytes a TCP client may leave unread before it is dropped
_ids = itertools.count(1)


class UdpInput:
    """The UDP socket, drained in batches on one readiness callback.

    asyncio's datagram transport wakes the selector once per datagram; draining up to
    datagrams per wake-up more than doubles what one core handles. Each wake-up is
    bounded to BUDGET seconds of work, so the show's dispatcher, which wakes 2 ms early
    and spins, never waits long behind it.
    """

    BUDGET = 0.0003

    def __init__(self, server: OscServer, sock: socket.socket) -> None:
        self.server, self.sock = server, sock
        sock.setblocking(False)
        self.loop = asyncio.get_running_loop()
        self.loop.add_reader(sock.fileno(), self._read_ready)

    def _read_ready(self) -> None:
        server, recv = self.server, self.sock.recvfrom
        until = time.perf_counter() + self.BUDGET
        while time.perf_counter() < until:
            try:
                data, addr = recv(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:  # e.g. an ICMP "port unreachable" from a gone client
                server.complain("send_failed", f"UDP: {exc}")
                continue
            host, port = addr[0], addr[1]
            if server.allowed(host):
                server.handle_packet(data, server.clients.udp(host, port, self._send))

    def _send(self, packet: bytes, dest: tuple[str, int]) -> None:
        try:
            self.sock.sendto(packet, dest)
        except OSError as exc:  # full buffer or gone peer: a lost reply, never a stop
            self.server.complain("send_failed", f"reply to {dest[0]}:{dest[1]}: {exc}")

    def close(self) -> None:
        if self.sock.fileno() >= 0:
            self.loop.remove_reader(self.sock.fileno())
            self.sock.close()


class TcpInput(asyncio.Protocol):
    def __init__(self, server: OscServer) -> None:
        self.server = server
        self.decoder = slip.SlipDecoder(server.max_packet)
        self.transport: asyncio.Transport | None = None
        self.client: Client | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        host, port = transport.get_extra_info("peername")[:2]
        server = self.server
        if not server.allowed(host):
            transport.abort()
            return
        if len(server.connections) >= MAX_TCP_CLIENTS:
            server.complain("too_many_connections", f"refused TCP {host}:{port}: "
                            f"{MAX_TCP_CLIENTS} connections already open")
            transport.abort()
            return
        self.client = server.clients.tcp(next(_ids), host, port, self._send)
        server.connections.add(self)

    def data_received(self, data: bytes) -> None:
        client = self.client
        if client is None:
            return
        packets, errors = self.decoder.feed(data)
        for reason in errors:
            self.server.reject(client, reason, f"{reason} SLIP frame discarded")
        for packet in packets:
            self.server.handle_packet(packet, client)

    def _send(self, packet: bytes, dest: tuple[str, int]) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        if transport.get_write_buffer_size() > MAX_BACKLOG:
            self.server.complain("slow_client", f"dropped TCP {dest[0]}:{dest[1]}: "
                                 "it does not read its replies")
            transport.abort()
            return
        transport.write(slip.encode(packet))

    def connection_lost(self, exc: Exception | None) -> None:
        if self.client is not None:
            self.server.clients.forget(self.client)
            self.client = None
        self.server.connections.discard(self)

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
