"""The built-in `showctl` profile: the player and lighting OSC of SPEC 3.2."""

from __future__ import annotations

from showctl.codec.player_protocol import message
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
        """Player commands are encoded by the protocol's one table (player_protocol)."""
        match action:
            case Lights():
                return [("/showctl/lights/cue", (str(action.cue), float(action.fade)))]
            case Load() | Play():
                return [message(action.kind, action.media, action.position)]
            case Stop() | Black():
                return [message(action.kind, action.fade)]
            case Seek():
                return [message(action.kind, action.position)]
            case ShowClock() if action.epoch:
                return [message(action.kind, action.time, action.media, action.position,
                                action.epoch)]
            case ShowClock():
                return [message(action.kind, action.time, action.media, action.position)]
            case Volume():
                return [message(action.kind, action.db, action.fade)]
            case Pattern():
                return [message(action.kind, action.pattern)]
            case _:  # pause, resume
                return [message(action.kind)]
