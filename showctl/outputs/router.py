"""Which bytes go to which address, for a venue's devices and their profiles."""

from __future__ import annotations

from collections.abc import Iterable

from showctl.codec.osc import encode_bundle, encode_message
from showctl.model import Venue
from showctl.outputs.actions import Action
from showctl.outputs.profiles import Profile, profile_for
from showctl.outputs.profiles.base import Message
from showctl.outputs.sender import Address


class Router:
    """Built once per loaded show, so profiles and addresses are resolved before t=0."""

    def __init__(self, venue: Venue) -> None:
        self.profiles: dict[str, Profile] = {d.id: profile_for(d) for d in venue.devices}
        self.addresses: dict[str, Address] = {d.id: (d.host, d.port) for d in venue.devices}
        self.latency: dict[str, float] = {d.id: d.latency for d in venue.devices}
        self.lead = max(self.latency.values(), default=0.0)

    def messages(self, action: Action) -> list[Message]:
        return self.profiles[action.device].messages(action)

    def bundles(
        self, actions: Iterable[Action], wall: float | None
    ) -> list[tuple[str, Address, bytes]]:
        """One bundle per device (timetag `wall`) holding all its messages, device order
        kept; devices whose profile has nothing to say get nothing."""
        per_device: dict[str, list[Message]] = {}
        for action in actions:
            per_device.setdefault(action.device, []).extend(self.messages(action))
        return [
            (device, self.addresses[device],
             encode_bundle(wall, [encode_message(a, *args) for a, args in msgs]))
            for device, msgs in per_device.items()
            if msgs
        ]

    def plain(self, action: Action) -> list[tuple[Address, bytes]]:
        """Unbundled messages (DMX frames: each frame is its own instant)."""
        address = self.addresses[action.device]
        return [(address, encode_message(a, *args)) for a, args in self.messages(action)]

    def dmx_devices(self) -> list[str]:
        return [d for d, p in self.profiles.items() if p.supports("dmx")]
