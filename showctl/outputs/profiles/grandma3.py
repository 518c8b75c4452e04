"""`grandma3`: MA Lighting grandMA3 consoles and onPC, software 2.1.

Source: grandMA3 User Manual 2.1, "Remote In and Out > OSC" (https://help.malighting.com/
grandMA3/2.1/HTML/remote_inputs_osc.html): an OSC line with "Receive Command" on runs
`/<prefix>/cmd` string arguments as command-line input; the prefix is optional and has
no slash; "Only OSC messages are supported ... OSC Bundle messages are currently not
supported". The command is the manual's `Goto` keyword ("Goto Sequence 3 Cue 5 Fade 2";
Fade only when the show gives one, else the cue's own times).
"""

from __future__ import annotations

from types import MappingProxyType

from showctl.outputs.actions import Action, Lights
from showctl.outputs.profiles.base import Bundles, Message, Profile, Transport, cue_number


class Grandma3Profile(Profile):
    name = "grandma3"
    source = ("grandMA3 User Manual 2.1, Remote In and Out > OSC "
              "(help.malighting.com/grandMA3/2.1/HTML/remote_inputs_osc.html), Goto keyword")
    kinds = frozenset({"lights", "osc"})
    bundles = Bundles.REFUSED
    options = frozenset({"sequence", "prefix"})
    silent_why = "grandMA3 answers nothing to an OSC line: no question tells it is there"
    transports_why = "the manual documents OSC lines over UDP"
    ports = MappingProxyType({Transport.UDP: 8000})  # "Port 8000 is the default" (OSC >
    # Examples > Open Stage Control, grandMA3 User Manual 2.0)

    def check(self, action: Action) -> str | None:
        if isinstance(action, Lights):
            return cue_number(action.cue, "a grandMA3 cue number (5, 2.5)")
        return None

    def translate(self, action: Action) -> list[Message]:
        assert isinstance(action, Lights)  # its one kind besides osc
        cue, fade = action.cue, action.fade
        where = f"Sequence {self.device.sequence} Cue {cue}" if self.device.sequence \
            else f"Cue {cue}"
        command = f"Goto {where}" + (f" Fade {float(fade):g}" if fade else "")
        prefix = f"/{self.device.prefix}" if self.device.prefix else ""
        return [(f"{prefix}/cmd", (command,))]
