"""Wake-on-LAN: the magic packet (6 × 0xFF, then the MAC 16 times) over UDP broadcast.

Sent three times (a switch port waking up, a lost datagram): waking twice does no harm.
The address and port are the venue's `wake_on_lan` (tests point it at 127.0.0.1)."""

from __future__ import annotations

import socket

REPEAT = 3


def magic_packet(mac: str) -> bytes:
    raw = bytes.fromhex(mac.replace(":", "").replace("-", ""))
    if len(raw) != 6:
        raise ValueError(f"{mac!r} is not a MAC address")
    return b"\xff" * 6 + raw * 16


def wake(macs: list[str], address: str, port: int) -> None:
    """Non-blocking sends of numeric addresses only: no name is resolved here."""
    socket.inet_aton(address)  # a host name would resolve on the caller's loop
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        sock.setblocking(False)
        for _ in range(REPEAT):
            for mac in macs:
                sock.sendto(magic_packet(mac), (address, port))
