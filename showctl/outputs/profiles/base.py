"""What a profile is: the translation of abstract actions into one product's OSC, and
what that product does with what it is sent (docs/profiles.md)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any, ClassVar

from showctl.codec.osc import Arg
from showctl.model import Device
from showctl.outputs.actions import Action

Message = tuple[str, tuple[Arg, ...]]
"""An OSC address and its arguments, as a profile says them."""


class Bundles(StrEnum):
    """What the product does with an OSC bundle's timetag."""

    HONOURED = "honoured"
    """It acts at the timetag (liblo, the showctl player): sent bundles, `lead` early."""
    IGNORED = "ignored"
    """It unpacks bundles but acts on arrival (QLC+): sent plain messages at the instant."""
    REFUSED = "refused"
    """It drops or rejects bundles (grandMA3): sent plain messages at the instant."""


class Transport(StrEnum):
    """How the product takes OSC (the sender for `tcp-*` is the device's transport's)."""

    UDP = "udp"
    TCP_SLIP = "tcp-slip"  # OSC 1.1: SLIP-framed packets over TCP
    TCP_LENGTH = "tcp-length-prefixed"  # OSC 1.0: int32 big-endian size, then the packet


UDP_PAYLOAD = 1472
"""An Ethernet frame's UDP payload (1500 - 20 IP - 8 UDP): larger datagrams fragment,
and losing one fragment loses the whole packet."""


class Profile:
    """Turns an `Action` for one device into the OSC messages that product understands.

    Subclasses set `name` (what venue.yaml's `profile:` says), `source` (where the OSC
    comes from: the product's documentation), `kinds` (the actions they support; an
    action of another kind sends nothing to that device) and `bundles` (required: what
    the product does with timetags). `transport`, `max_packet` and `default_lead` have
    defaults; `default_lead` is for `Bundles.HONOURED` products only.
    """

    name: ClassVar[str]
    source: ClassVar[str]
    kinds: ClassVar[frozenset[str]]
    bundles: ClassVar[Bundles]
    transport: ClassVar[Transport] = Transport.UDP
    max_packet: ClassVar[int] = UDP_PAYLOAD
    """Largest packet the product takes, bytes: bundles are split (same timetag) to fit."""
    default_lead: ClassVar[float] = 0.0
    """Seconds a timetag-honouring product's bundles leave before their instant when the
    device sets no `latency`."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not isinstance(getattr(cls, "bundles", None), Bundles):
            raise TypeError(f"profile {cls.__name__} must say what it does with bundles "
                            f"(bundles = Bundles.HONOURED, IGNORED or REFUSED)")
        if cls.default_lead and cls.bundles is not Bundles.HONOURED:
            raise TypeError(f"profile {cls.__name__}: a default_lead needs honoured timetags")

    def __init__(self, device: Device) -> None:
        self.device = device

    @property
    def timetags(self) -> bool:
        """True when this device gets bundles with timetags (and may get them early)."""
        return self.bundles is Bundles.HONOURED

    @property
    def lead(self) -> float:
        """How long before its instant a packet leaves for this device: its `latency`
        when the venue sets one (for plain messages too: a slow product), else the
        profile's `default_lead`."""
        if self.device.latency is not None:
            return self.device.latency
        return self.default_lead

    def supports(self, kind: str) -> bool:
        return kind in self.kinds

    def messages(self, action: Action) -> list[Message]:
        if action.kind not in self.kinds:
            return []
        if action.kind == "osc":
            address, *args = action.args
            return [(address, tuple(args))]
        return self.translate(action)

    def translate(self, action: Action) -> list[Message]:
        raise NotImplementedError
