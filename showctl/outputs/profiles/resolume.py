"""`resolume`: Resolume Arena / Avenue 7.

Source: Resolume manual, "OSC" (https://resolume.com/support/en/osc): input on UDP 7000
by default; every control has a fixed address, shown in Shortcuts > Edit OSC; a clip is
triggered with `/composition/layers/<layer>/clips/<clip>/connect 1`, a column with
`/composition/columns/<column>/connect 1`, and a layer emptied with
`/composition/layers/<layer>/clear 1`. Bundles are not documented: plain messages at
the instant.

A show's media name for a Resolume device is a clip slot on the device's `layer`
(`play: {media: "3"}`) or a whole column (`media: "column 3"`); stop and black clear
the layer, pressed and released (`clear 1` then `clear 0`, as the Bitfocus Companion
module does: companion-module-resolume-arena src/arena-api/osc.ts `clearLayer`). Its OSC
has no fade to black: the clear cuts (docs/profiles.md).
"""

from __future__ import annotations

import re
from types import MappingProxyType

from showctl.outputs.actions import Action, Play
from showctl.outputs.profiles.base import Bundles, Message, Profile, Transport

_SLOT = re.compile(r"^(?:(clip|column)\s*)?(\d+)$")


class ResolumeProfile(Profile):
    name = "resolume"
    source = "Resolume Arena/Avenue 7 manual, OSC (resolume.com/support/en/osc)"
    kinds = frozenset({"play", "stop", "black", "osc"})
    bundles = Bundles.REFUSED
    options = frozenset({"layer"})
    silent_why = ("Resolume's OSC output sends what changes, nothing while it is idle: "
                  "silence would not mean it is gone")
    ports = MappingProxyType({Transport.UDP: 7000})  # the manual: OSC input on 7000

    def check(self, action: Action) -> str | None:
        if isinstance(action, Play) and not _SLOT.match(action.media.strip().lower()):
            return (f"media {action.media!r} is not a Resolume clip or column: write the "
                    "clip's number on the layer (\"3\") or \"column 3\"")
        return None

    def translate(self, action: Action) -> list[Message]:
        layer = self.device.layer or 1
        if not isinstance(action, Play):
            clear = f"/composition/layers/{layer}/clear"
            return [(clear, (1,)), (clear, (0,))]
        match = _SLOT.match(action.media.strip().lower())
        assert match is not None  # check() refused it at validation
        what, number = match.groups()
        if what == "column":
            return [(f"/composition/columns/{number}/connect", (1,))]
        return [(f"/composition/layers/{layer}/clips/{number}/connect", (1,))]
