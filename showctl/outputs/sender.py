"""The wire: one non-blocking UDP socket per address family, `sendto` in a burst; and
the devices that have a link of their own (TCP, their own UDP socket, PJLink), whose
packets go to that link instead (`links`, kept by core.liveness).

Measured here, a bare `sendto` beats asyncio datagram transports; the socket is never
bound to a chosen address, so the kernel picks the route (loopback in tests).
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from showctl.outputs.links import Link

log = logging.getLogger(__name__)

Address = tuple[str, int]


class UdpSender:
    def __init__(self) -> None:
        self._sockets: dict[int, socket.socket] = {}
        self.links: dict[Address, Link] = {}
        self.sent = 0
        self.errors = 0
        self.failing: dict[Address, str] = {}
        """Addresses whose last send failed, and why: said once, until one works again."""
        self.muted = False
        """A standby controller's (docs/standby.md): nothing leaves for any device, over
        any link, until it is the active one; `dropped` counts what did not."""
        self.dropped = 0

    def _socket(self, family: int) -> socket.socket:
        sock = self._sockets.get(family)
        if sock is None:
            sock = socket.socket(family, socket.SOCK_DGRAM)
            sock.setblocking(False)
            if family == socket.AF_INET:  # Art-Net timecode to a subnet's broadcast
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            self._sockets[family] = sock
        return sock

    def send(self, address: Address, data: bytes) -> None:
        """Never raises: a device that is gone must not stop the show for the others."""
        if self.muted:
            self.dropped += 1
            return
        link = self.links.get(address)
        if link is not None:
            link.send(data)
            self.sent += 1
            return
        self._sendto(self._socket(_family(address)).sendto, address, data)

    def burst(self, items: Sequence[tuple[Address, bytes]]) -> Callable[[], None]:
        """`send` for each of `items`, in order, prepared now to run later at an instant:
        the sockets are looked up ahead, so the burst is the `sendto` calls and little
        else (links are looked up as it runs: one may open meanwhile)."""
        prepared = [(self._socket(_family(address)).sendto, address, data)
                    for address, data in items]
        links = self.links

        def fire() -> None:
            if self.muted:
                self.dropped += len(prepared)
                return
            for sendto, address, data in prepared:
                link = links.get(address) if links else None
                if link is not None:
                    link.send(data)
                    self.sent += 1
                else:
                    self._sendto(sendto, address, data)
        return fire

    def _sendto(self, sendto: Callable[[bytes, Address], int], address: Address,
                data: bytes) -> None:
        try:
            sendto(data, address)
            self.sent += 1
        except OSError as exc:
            self.errors += 1
            reason = exc.strerror or str(exc)
            if self.failing.get(address) != reason:
                self.failing[address] = reason
                log.warning("send to %s:%s failed: %s (said once, until it works again)",
                            address[0], address[1], reason)
            return
        if self.failing and self.failing.pop(address, None) is not None:
            log.info("send to %s:%s works again", address[0], address[1])

    def close(self) -> None:
        for sock in self._sockets.values():
            sock.close()
        self._sockets.clear()


def _family(address: Address) -> int:
    return socket.AF_INET6 if ":" in address[0] else socket.AF_INET
