"""`pjlink`: projectors over PJLink class 1 (TCP 4352), for a show's picture.

Source: PJLink Specifications Class 1, version 1.04 (JBMIA), 4.5 AVMT: `11` video mute
on (the shutter: black without losing the lamp), `10` off. A cue's `black` (and `stop`)
on a projector closes the shutter, `play`/`resume` open it; power and input belong to
the room's power plan (showctl.outputs.pjlink). The device's `password` is PJLink's;
commands go on a connection of their own (showctl.outputs.links.PjlinkLink), never as
OSC, and its status poll is how the projector shows as online.
"""

from __future__ import annotations

from types import MappingProxyType

from showctl.codec.osc import Arg
from showctl.outputs.actions import Action
from showctl.outputs.profiles.base import Bundles, Message, Profile, Transport


class PjlinkProfile(Profile):
    name = "pjlink"
    source = "PJLink Specifications Class 1 version 1.04 (JBMIA), 4.5 AVMT"
    kinds = frozenset({"black", "stop", "play", "resume"})
    bundles = Bundles.REFUSED
    transport = Transport.PJLINK
    transports_why = "PJLink is its own protocol on TCP, not OSC"
    ports = MappingProxyType({Transport.PJLINK: 4352})  # PJLink class 1, 2.1
    options = frozenset({"password", "input"})
    answers = True

    def translate(self, action: Action) -> list[Message]:
        return [("AVMT", ("11" if action.kind in ("black", "stop") else "10",))]

    def encode(self, address: str, args: tuple[Arg, ...]) -> bytes:
        return f"%1{address} {' '.join(str(a) for a in args)}\r".encode("ascii")

    def show(self, address: str, args: tuple[Arg, ...]) -> str:
        return f"PJLink %1{address} {' '.join(str(a) for a in args)}"
