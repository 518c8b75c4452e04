"""Wake-on-LAN: the magic packet (6 × 0xFF, then the MAC 16 times) over UDP broadcast.

Sent three times (a switch port waking up, a lost datagram): waking twice does no harm.
The address and port are the venue's `wake_on_lan` (tests point it at 127.0.0.1); its
`interface`, when given, is the one the packets leave by (IP_PKTINFO, no privilege
needed): the limited broadcast 255.255.255.255 otherwise follows the default route, which
a show LAN often lacks (ENETUNREACH) or which is another network's (a second NIC)."""

from __future__ import annotations

import socket
import struct

REPEAT = 3
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)  # Linux <netinet/in.h>; Python 3.11 lacks it


def magic_packet(mac: str) -> bytes:
    raw = bytes.fromhex(mac.replace(":", "").replace("-", ""))
    if len(raw) != 6:
        raise ValueError(f"{mac!r} is not a MAC address")
    return b"\xff" * 6 + raw * 16


def wake(macs: list[str], address: str, port: int, interface: str | None = None) -> None:
    """Non-blocking sends of numeric addresses only: no name is resolved here. An
    unknown `interface` raises OSError (ENODEV), as a send that cannot leave does."""
    socket.inet_aton(address)  # a host name would resolve on the caller's loop
    ancillary = []
    if interface is not None:
        try:
            index = socket.if_nametoindex(interface)
        except OSError:
            raise OSError(19, f"no interface {interface!r} on this machine") from None
        # struct in_pktinfo {int ipi_ifindex; in_addr ipi_spec_dst; in_addr ipi_addr;}
        info = struct.pack("@i4s4s", index, bytes(4), bytes(4))
        ancillary = [(socket.IPPROTO_IP, IP_PKTINFO, info)]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
        sock.setblocking(False)
        for _ in range(REPEAT):
            for mac in macs:
                sock.sendmsg([magic_packet(mac)], ancillary, 0, (address, port))
