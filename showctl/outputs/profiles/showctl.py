"""The built-in `showctl` profile: the player and lighting OSC of SPEC 3.2."""

from __future__ import annotations

from showctl.outputs.actions import (
    Action,
    Black,
    Lights,
    Load,
    Pattern,
    Play,
    Seek,
    ShowClock,
    Stop,
    Volume,
)
from showctl.outputs.profiles.base import Bundles, Message, Profile, Transport


class ShowctlProfile(Profile):
    name = "showctl"
    source = "SPEC.md section 3.2 (this project's own player/lighting protocol)"
    bundles = Bundles.HONOURED  # the player acts at the timetag on its own clock (6.1)
    default_lead = 0.02
    heartbeats = True  # players report their status; the lighting peer beats (SPEC 3.2)
    transports = frozenset({Transport.UDP, Transport.TCP_SLIP})  # the player takes both
    options = frozenset({"transport"})
    kinds = frozenset(
        {"load", "play", "pause", "resume", "stop", "black", "seek", "clock", "volume",
         "lights", "osc", "pattern"}
    )

    def translate(self, action: Action) -> list[Message]:
        address = f"/showctl/player/{action.kind}"
        match action:
            case Lights():
                return [("/showctl/lights/cue", (str(action.cue), float(action.fade)))]
            case Load() | Play():
                return [(address, (str(action.media), float(action.position)))]
            case Stop() | Black():
                return [(address, (float(action.fade),))]
            case Seek():
                return [(address, (float(action.position),))]
            case ShowClock() if action.epoch:
                return [(address, (float(action.time), str(action.media),
                                   float(action.position), int(action.epoch)))]
            case ShowClock():
                return [(address, (float(action.time), str(action.media),
                                   float(action.position)))]
            case Volume():
                return [(address, (float(action.db), float(action.fade)))]
            case Pattern():
                return [(address, (str(action.pattern),))]
            case _:  # pause, resume
                return [(address, ())]
