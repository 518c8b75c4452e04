"""Which bytes go to which address, and how early, for a venue's devices and profiles."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from showctl.codec.osc import Timetag, encode_bundle
from showctl.model import Venue
from showctl.outputs.actions import Action
from showctl.outputs.profiles import Profile, profile_for
from showctl.outputs.profiles.base import Message
from showctl.outputs.resolve import Resolver
from showctl.outputs.sender import Address

log = logging.getLogger(__name__)

BUNDLE_HEADER = 16  # "#bundle\0" and the timetag
ELEMENT_SIZE = 4  # each element's int32 size before it


class Router:
    """Built once per venue, so profiles are ready before t=0. Addresses are IP literals
    from the `resolver` (never a name: that would resolve in the send path); a device
    whose host has no address yet gets nothing.

    `lead[device]` is how long before its instant each packet leaves for that device
    (`Profile.lead`); `max_lead` is the largest, the delay after which an immediate
    command can act on every device together.
    """

    def __init__(self, venue: Venue, resolver: Resolver | None = None) -> None:
        self.profiles: dict[str, Profile] = {d.id: profile_for(d) for d in venue.devices}
        self._hosts = {d.id: (d.host, d.port) for d in venue.devices}
        self.resolver = resolver
        self.addresses: dict[str, Address | None] = {}
        self.update_addresses()
        self.lead: dict[str, float] = {d: p.lead for d, p in self.profiles.items()}
        self.max_lead = max(self.lead.values(), default=0.0)

    def update_addresses(self) -> None:
        """Takes the resolver's present answers (called whenever they change)."""
        for device, (host, port) in self._hosts.items():
            ip = self.resolver.address(host) if self.resolver else host
            self.addresses[device] = (ip, port) if ip is not None else None

    def messages(self, action: Action) -> list[Message]:
        return self.profiles[action.device].messages(action)

    def packets(
        self, actions: Iterable[Action], wall: float | Timetag | None
    ) -> list[tuple[str, Address, bytes]]:
        """What each device gets for `actions` taking effect at wall instant `wall`,
        device order kept: one bundle timetagged `wall` holding all its messages (split
        in several with that timetag if larger than its `max_packet`) for a device whose
        product honours timetags; its plain messages, one datagram each, for the others
        (they must be sent at the instant). Devices with nothing to say get nothing."""
        per_device: dict[str, list[Message]] = {}
        for action in actions:
            per_device.setdefault(action.device, []).extend(self.messages(action))
        out: list[tuple[str, Address, bytes]] = []
        for device, msgs in per_device.items():
            profile, address = self.profiles[device], self.addresses[device]
            if not msgs or address is None:
                continue
            encoded = [profile.encode(a, args) for a, args in msgs]
            if not profile.timetags:
                out += [(device, address, self._fit(profile, data)) for data in encoded]
                continue
            for part in _split(encoded, profile.max_packet):
                out.append((device, address, self._fit(profile, encode_bundle(wall, part))))
        return out

    def dmx_devices(self) -> list[str]:
        return [d for d, p in self.profiles.items() if p.supports("dmx")]

    def _fit(self, profile: Profile, data: bytes) -> bytes:
        if len(data) > profile.max_packet:
            log.warning("%s: a %d-byte packet exceeds the %s profile's %d bytes (sent anyway; "
                        "the device may drop it)", profile.device.id, len(data), profile.name,
                        profile.max_packet)
        return data


def _split(encoded: list[bytes], limit: int) -> list[list[bytes]]:
    """Messages in order, in as few bundles as fit `limit` bytes (a message larger than
    that goes alone)."""
    parts: list[list[bytes]] = [[]]
    size = BUNDLE_HEADER
    for data in encoded:
        length = ELEMENT_SIZE + len(data)
        if parts[-1] and size + length > limit:
            parts.append([])
            size = BUNDLE_HEADER
        parts[-1].append(data)
        size += length
    return parts
