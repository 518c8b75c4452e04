"""The built-in `showctl` profile: the player and lighting OSC of SPEC 3.2."""

from __future__ import annotations

from showctl.outputs.actions import Action
from showctl.outputs.profiles.base import Bundles, Message, Profile


class ShowctlProfile(Profile):
    name = "showctl"
    source = "SPEC.md section 3.2 (this project's own player/lighting protocol)"
    bundles = Bundles.HONOURED  # the player acts at the timetag on its own clock (6.1)
    default_lead = 0.0
    kinds = frozenset(
        {"load", "play", "pause", "resume", "stop", "black", "seek", "clock", "volume",
         "lights", "osc"}
    )

    def translate(self, action: Action) -> list[Message]:
        kind, args = action.kind, action.args
        if kind == "lights":
            cue, fade = args
            return [("/showctl/lights/cue", (str(cue), float(fade)))]
        if kind in ("load", "play"):
            media, position = args
            return [(f"/showctl/player/{kind}", (str(media), float(position)))]
        if kind == "clock":
            show_time, media, position = args
            return [("/showctl/player/clock", (float(show_time), str(media), float(position)))]
        return [(f"/showctl/player/{kind}", tuple(float(a) for a in args))]
