"""Receivers' clock for the benches: the kernel's receive time of each datagram.

A receiving process that waits for a CPU (behind a flood's sender, or woken late from
`select`) must not count as the controller being late: SO_TIMESTAMPNS stamps a datagram
when the kernel queues it, whenever the process gets to read it.
"""

from __future__ import annotations

import socket
import struct
import time

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)


def stamped_socket(port: int) -> socket.socket:
    """A UDP socket on 127.0.0.1:`port` whose datagrams carry their kernel receive time."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    sock.bind(("127.0.0.1", port))
    return sock


def recv_stamped(sock: socket.socket, size: int = 65536) -> tuple[bytes, float]:
    """One datagram and its kernel receive time (wall clock, seconds)."""
    data, ancillary, _, _ = sock.recvmsg(size, socket.CMSG_SPACE(16))
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
            sec, nsec = struct.unpack("qq", payload[:16])
            return data, sec + nsec / 1e9
    return data, time.time()
