"""`magicq`: ChamSys MagicQ consoles and MagicQ PC (unlocked), software 1.9.

Source: MagicQ User Manual, chapter "Open Sound Control (OSC)", table "MagicQ OSC
addresses" (https://secure.chamsys.co.uk/help/documentation/magicq/osc.html): only the
first 10 playbacks; `/pb/<playback>/<cue>` with a non-zero value jumps to that cue,
`/pb/<playback>/release` releases it. The built-in addresses name whole cue ids only.
Bundles are not documented: plain messages at the instant.
"""

from __future__ import annotations

from showctl.outputs.actions import Action, Lights
from showctl.outputs.profiles.base import Bundles, Message, Profile


class MagicqProfile(Profile):
    name = "magicq"
    source = ("ChamSys MagicQ User Manual, Open Sound Control (OSC), MagicQ OSC addresses "
              "(secure.chamsys.co.uk/help/documentation/magicq/osc.html)")
    kinds = frozenset({"lights", "osc"})
    bundles = Bundles.REFUSED
    options = frozenset({"playback"})
    silent_why = "MagicQ's OSC answers nothing: no question tells it is there"

    def check(self, action: Action) -> str | None:
        if isinstance(action, Lights) and not action.cue.isdigit():
            return (f"MagicQ's OSC jumps to whole cue ids only: {action.cue!r} is not "
                    "one (use a cue id such as 5)")
        return None

    def translate(self, action: Action) -> list[Message]:
        assert isinstance(action, Lights)  # its one kind besides osc
        return [(f"/pb/{self.device.playback or 1}/{int(action.cue)}", (1,))]
