"""What a profile is: the translation of abstract actions into one product's OSC, and
what that product does with what it is sent (docs/profiles.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any, ClassVar

from showctl.codec.osc import Arg, encode_message, format_message
from showctl.model import Device
from showctl.outputs.actions import Action, Osc

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
    PJLINK = "pjlink"  # not OSC: PJLink command lines on a connection of their own
    WEBSOCKET = "websocket"  # not OSC: QLC+'s web API (showctl.outputs.qlcweb)


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
    transports: ClassVar[frozenset[Transport]] = frozenset()
    """What a device's `transport:` may choose (empty: only `transport`); `tcp` means
    the first TCP framing the product takes (SLIP before length-prefixed)."""
    options: ClassVar[frozenset[str]] = frozenset()
    """The device keys (venue.yaml) the product needs: `cue_list`, `layer`... The files'
    checks refuse the others on a device of this profile."""
    answers: ClassVar[bool] = False
    """True when the product answers in its own protocol (`ping`/`reply`): it is online
    because it answered, not because something sent a heartbeat in its name."""
    heartbeats: ClassVar[bool] = False
    """True when the product sends `/showctl/heartbeat` by itself (showctl's player): it
    is expected, and offline when it stops."""
    silent_why: ClassVar[str] = ""
    """Why the product cannot say whether it is there over OSC (its liveness is then
    `unknown`, SPEC 7.1), for the note `showctl validate` prints."""
    transports_why: ClassVar[str] = ""
    """Why the product takes no other transport (said when a venue asks for one)."""
    ports: ClassVar[Mapping[Transport, int]] = MappingProxyType({})
    """The port the product listens on from the factory, per transport: a device that
    gives no `port:` gets the one of its transport (docs/profiles.md)."""

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

    @property
    def wire(self) -> Transport:
        """How this device is reached: its `transport:` if the product takes it."""
        chosen, framing = self.device.transport, self.device.framing
        allowed = self.transports or frozenset({self.transport})
        if chosen is None and framing is None:
            return self.transport
        if chosen is None or chosen == "tcp":
            wire = {"slip": Transport.TCP_SLIP, "length-prefixed": Transport.TCP_LENGTH}.get(
                framing or "") or self.tcp_framing()
            if wire is not None and wire in allowed:
                return wire
        elif framing is None and Transport(chosen) in allowed:
            return Transport(chosen)
        elif framing is not None:
            raise ValueError(f"framing: {framing} is for transport: tcp, not {chosen}")
        what = f"{chosen or 'tcp'}" + (f" framed {framing}" if framing else "")
        raise ValueError(f"profile {self.name!r} takes transport "
                         f"{', '.join(sorted(t.value for t in allowed))}, not {what!r}"
                         + (f": {self.transports_why}" if self.transports_why else ""))

    def tcp_framing(self) -> Transport | None:
        """What `transport: tcp` means for this device: the product's TCP framing (SLIP
        before length-prefixed when it takes both; a profile may choose by port)."""
        allowed = self.transports or frozenset({self.transport})
        for framing in (Transport.TCP_SLIP, Transport.TCP_LENGTH):
            if framing in allowed:
                return framing
        return None

    @property
    def answering(self) -> bool:
        """True when this device answers over what it is configured with (`answers`,
        unless the product's answer depends on the transport chosen)."""
        return self.answers

    def liveness_note(self) -> str | None:
        """Why this device's liveness will be `unknown` (it neither answers over what it
        is configured with nor sends heartbeats); None when it can be known. A heartbeat
        in its name from its own address still makes it online (then it is expected)."""
        if self.answering or self.heartbeats:
            return None
        return self.silent_why or (f"{self.name} cannot be asked whether it is there "
                                   "over what it is configured with")

    def supports(self, kind: str) -> bool:
        return kind in self.kinds

    def check(self, action: Action) -> str | None:
        """Why this product cannot take `action` as the show says it (a cue id it cannot
        name...), for the files' checks; None when it can."""
        return None

    def check_device(self) -> str | None:
        """Why the device's own settings do not suit the product (for the files'
        checks, at the device), None when they do."""
        return None

    def note(self) -> str | None:
        """What the venue should know about this device as configured (said once at load,
        `showctl validate` prints it as a note), None when nothing."""
        return None

    def encode(self, address: str, args: tuple[Arg, ...]) -> bytes:
        """One message's bytes (OSC; a profile that speaks something else overrides)."""
        return encode_message(address, *args)

    def show(self, address: str, args: tuple[Arg, ...]) -> str:
        """One message as the cue sheet prints it."""
        return format_message(address, args)

    def greeting(self, reply_port: int | None = None) -> list[Message]:
        """Messages sent first, when the device's link opens (a passcode); `reply_port`
        as for `ping`."""
        return []

    def ping(self, reply_port: int | None = None) -> list[Message]:
        """What asks the product whether it is there (`answers` products); `reply_port`
        is our UDP socket's port when the product must be told where to answer."""
        return []

    def reply(self, address: str, args: tuple[Any, ...]) -> dict[str, Any] | None:
        """A message the device sent us: None when it is not the product's answer, else
        what it says worth showing (`{}`: nothing but that it is there)."""
        return None

    def messages(self, action: Action) -> list[Message]:
        if action.kind not in self.kinds:
            return []
        if isinstance(action, Osc):
            return [(action.address, action.values)]
        return self.translate(action)

    def translate(self, action: Action) -> list[Message]:
        raise NotImplementedError


_CUE = re.compile(r"^\d+(\.\d+)?$")


def cue_number(cue: object, what: str) -> str | None:
    """None for a console cue number (`5`, `12.5`), else why not (for `Profile.check`)."""
    if _CUE.match(str(cue)):
        return None
    return f"cue {cue!r} is not {what}"
