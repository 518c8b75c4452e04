"""`pjlink`: projectors over PJLink class 1 (TCP 4352), for a show's picture.

Source: PJLink Specifications Class 1, version 1.04 (JBMIA), 4.5 AVMT: `31` video and
audio mute on, `30` off (`11`/`10` video only, `21`/`20` audio only). A cue's `black`
(and `stop`) on a projector closes the shutter, `play`/`resume` open it; AV mute
(31/30) by default, as controllers send it (the Bitfocus Companion module
companion-module-generic-pjlink, pjlink.js: `shutterClose` sends `%1avmt 31`,
`shutterOpen` `%1avmt 30`), the device's `shutter:
video | audio` for 11/10 or 21/20. Power and input belong to the room's power plan
(showctl.outputs.pjlink). The device's `password` is PJLink's; commands go on a
connection of their own (showctl.outputs.links.PjlinkLink), never as OSC, and its status
poll (every `poll_interval` seconds, 5 by default) is how the projector shows as online.
Inputs per class (4.3 INPT): class 1 takes types 1-5 numbered 1-9; class 2
(`pjlink_class: 2`) also 6 (internal) and numbers A-Z.
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
    options = frozenset({"password", "input", "shutter", "poll_interval", "pjlink_class"})
    answers = True

    @property
    def mute(self) -> str:
        """AVMT's first digit: 3 video and audio, 1 video, 2 audio."""
        return {"video": "1", "audio": "2"}.get(self.device.shutter or "av", "3")

    def check_device(self) -> str | None:
        """Why the device's `input` is not one its PJLink class can select."""
        source = self.device.input
        if source is None:
            return None
        if (self.device.pjlink_class or 1) == 1 and not (source[0] in "12345"
                                                         and source[1] in "123456789"):
            return (f"input {source!r} is not a PJLink class 1 input (types 1-5, numbers "
                    "1-9, e.g. '31'); a class 2 projector takes it: pjlink_class: 2")
        return None

    def translate(self, action: Action) -> list[Message]:
        closed = action.kind in ("black", "stop")
        return [("AVMT", (self.mute + ("1" if closed else "0"),))]

    def encode(self, address: str, args: tuple[Arg, ...]) -> bytes:
        return f"%1{address} {' '.join(str(a) for a in args)}\r".encode("ascii")

    def show(self, address: str, args: tuple[Arg, ...]) -> str:
        return f"PJLink %1{address} {' '.join(str(a) for a in args)}"
