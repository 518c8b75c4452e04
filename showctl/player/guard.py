"""Who may command a player (issue 21): the venue's controller, nobody else.

A player listens on the venue's network, where any host can send it a packet (and a UDP
source address can be forged only from where the route allows). It takes commands from
the venue's `player.allow` networks, by default the controller's own address (the host
of `osc.listen`, where its reports already go); a packet from anywhere else is dropped,
counted and said (rate-limited). With `osc.listen` on a wildcard and no `allow`, the
player cannot know the controller's address: it takes packets from anyone and says so
at start.
"""

from __future__ import annotations

import logging
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from showctl.model import Venue

log = logging.getLogger(__name__)
WILDCARDS = ("", "0.0.0.0", "::")


class Guard:
    def __init__(self, venue: Venue, host: str | None = None) -> None:
        """`host`: the controller's address or name (`--controller`; default the host
        of `osc.listen`). With `standby:`, the floating address and both peers given as
        addresses are the controller's too."""
        self._by_name = False
        allow = venue.player.allow
        host = venue.osc.listen[0] if host is None else host
        self.networks: tuple[IPv4Network | IPv6Network, ...] | None
        self._standby: tuple[IPv4Network | IPv6Network, ...] = ()
        if venue.standby is not None:
            peers = [venue.standby.address.ip, *venue.standby.peers]
            self._standby = tuple(n for n in map(_network, map(str, peers)) if n is not None)
        if allow is not None:
            self.networks = tuple(allow)
        elif host not in WILDCARDS:
            own = _network(host)
            self._by_name = own is None  # a host name: its address once resolved
            self.networks = None if own is None else (own, *self._standby)
        else:
            self.networks = None
        self.refused = 0

    def resolved(self, address: str) -> None:
        """The controller's name (osc.listen) now resolves to `address`: that address
        alone commands the players (unless the venue gave `allow`)."""
        own = _network(address) if self._by_name else None
        if own is not None:
            self.networks = (own, *self._standby)

    def warn_if_open(self) -> None:
        if self.networks is None and not self._by_name:
            log.warning("players take commands from any address: the venue's osc.listen "
                        "gives no controller address; set player.allow to the "
                        "controllers' addresses")

    def allowed(self, host: str) -> bool:
        if self.networks is None:
            return True
        try:
            address = ip_address(host.split("%", 1)[0])
        except ValueError:
            return False
        mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:a.b.c.d on a v6 socket
        candidates = (address,) if mapped is None else (address, mapped)
        if any(a in n for a in candidates for n in self.networks if a.version == n.version):
            return True
        self.refused += 1
        log.warning("packet from %s refused: not the venue's controller (player.allow)",
                    host)
        return False


def _network(host: str) -> IPv4Network | IPv6Network | None:
    try:
        return ip_network(host.split("%", 1)[0])
    except ValueError:
        return None
