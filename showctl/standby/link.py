"""The replication link: one UDP socket on each controller, messages to the other.

UDP, not TCP: every `state` message is the whole picture (idempotent), sent ten times a
second and at each change, so a lost one costs nothing and the next repairs it; there is
no connection to re-establish after a partition heals or a peer restarts, and a frozen
peer (SIGSTOP) cannot fill a send buffer or block the sender. Messages stay far below a
datagram's size (wire.MAX_SIZE)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from showctl.standby.wire import Guard, Message, WireError, decode, encode, new_boot

log = logging.getLogger(__name__)
Address = tuple[str, int]


class Link(asyncio.DatagramProtocol):
    def __init__(self, name: str, peer: str, key: bytes, bind: Address, to: Address,
                 wall: Callable[[], float],
                 on_message: Callable[[Message, float], None]) -> None:
        self.name, self.key, self.bind, self.to = name, key, bind, to
        self.wall, self.on_message = wall, on_message
        self.guard = Guard(peer)
        self.boot = new_boot()
        self.seq = 0
        self.sent = self.received = 0
        self.refused: dict[str, int] = {}
        self.send_errors = 0
        self._transport: asyncio.DatagramTransport | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: self, local_addr=self.bind)

    @property
    def local(self) -> Address:
        assert self._transport is not None
        host, port = self._transport.get_extra_info("sockname")[:2]
        return host, port

    def send(self, kind: str, role: str, epoch: int, body: dict[str, Any]) -> None:
        if self._transport is None:
            return
        self.seq += 1
        data = encode(self.key, Message(self.name, self.boot, self.seq, self.wall(), epoch,
                                        role, kind, body))
        try:
            self._transport.sendto(data, self.to)
            self.sent += 1
        except OSError as exc:
            self.send_errors += 1
            log.warning("replication to %s:%s failed: %s", *self.to, exc)

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        now = self.wall()
        try:
            message = decode(self.key, data)
            self.guard.admit(message, now)
        except WireError as exc:
            self.refused[exc.reason] = self.refused.get(exc.reason, 0) + 1
            log.warning("replication message from %s refused: %s", addr[0], exc)  # rate-limited
            # by the service's log filter (showctl/lograte.py)
            return
        self.received += 1
        self.on_message(message, now)

    def error_received(self, exc: Exception) -> None:  # ICMP unreachable: peer not there
        self.send_errors += 1

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def as_json(self) -> dict[str, Any]:
        return {"sent": self.sent, "received": self.received, "refused": dict(self.refused),
                "send_errors": self.send_errors}
