"""`qlab`: Figure 53 QLab 5 (sound, video, light cues on a Mac).

Source: QLab 5 OSC Dictionary (https://qlab.app/docs/v5/scripting/osc-dictionary-v5/):
UDP and TCP on port 53000, TCP framed with SLIP (OSC 1.1); UDP replies go to port 53001
unless `/udpReplyPort` says another; every reply is `/reply/<address>` with one JSON
string (`status` ok/error, `data`); `/connect <passcode>` first when the workspace has
one; `/workspace/<id>/...` addresses one workspace (else every open one); `/cue/<number>/
start`, `/cue/<number>/load`, `/go`, `/stop`, `/panic` (fades everything out),
`/pause`, `/resume`, `/panicInTime <seconds>` (fades everything out over that time, as
the Bitfocus Companion module's `panicInTime` action sends it: companion-module-figure53-
qlab-advance, actions.js), `/thump` (answered `thump`: the liveness probe). Bundles are not
documented: plain messages at the instant.

A show's media name for a QLab device is a QLab cue number: `play: {media: "12"}` starts
cue 12, `lights: {cue: "L5"}` starts light cue L5.
"""

from __future__ import annotations

import json
from types import MappingProxyType

from showctl.outputs.actions import Action, Black, Lights, Load, Play, Stop
from showctl.outputs.profiles.base import Bundles, Message, Profile, Transport


class QlabProfile(Profile):
    name = "qlab"
    source = "QLab 5 OSC Dictionary (qlab.app/docs/v5/scripting/osc-dictionary-v5)"
    kinds = frozenset({"load", "play", "pause", "resume", "stop", "black", "lights", "osc"})
    bundles = Bundles.REFUSED
    transports = frozenset({Transport.UDP, Transport.TCP_SLIP})
    transports_why = "QLab's TCP is SLIP-framed (OSC 1.1), on the same port as UDP"
    ports = MappingProxyType({Transport.UDP: 53000, Transport.TCP_SLIP: 53000})
    options = frozenset({"workspace", "passcode", "transport"})
    answers = True

    @property
    def _root(self) -> str:
        return f"/workspace/{self.device.workspace}" if self.device.workspace else ""

    def check(self, action: Action) -> str | None:
        if isinstance(action, Load | Play | Lights):
            number = action.cue if isinstance(action, Lights) else action.media
            if not number or any(c in number for c in " /#*,?[]{}"):
                return f"{number!r} is not a QLab cue number (QLab plays cues by number)"
        return None

    def translate(self, action: Action) -> list[Message]:
        root = self._root
        match action:
            case Lights():
                return [(f"{root}/cue/{action.cue}/start", ())]
            case Load() | Play():
                verb = "load" if isinstance(action, Load) else "start"
                return [(f"{root}/cue/{action.media}/{verb}", ())]
            case Stop() | Black():  # a fade: QLab fades everything out over the show's
                if action.fade:  # fade (`/panicInTime`, QLab 5; Companion's panicInTime)
                    return [(f"{root}/panicInTime", (float(action.fade),))]
                return [(f"{root}/stop", ())]
            case _:
                return [(f"{root}/{action.kind}", ())]

    def greeting(self, reply_port: int | None = None) -> list[Message]:
        """Over UDP, where QLab's replies go (our socket's port, not its default 53001);
        then `/connect` with the passcode when the workspace has one."""
        said: list[Message] = [("/udpReplyPort", (reply_port,))] if reply_port else []
        if self.device.passcode is not None:
            said.append((f"{self._root}/connect", (self.device.passcode,)))
        return said

    def ping(self, reply_port: int | None = None) -> list[Message]:
        """`/thump`; over UDP after the greeting again, as a QLab that restarted has
        forgotten both the reply port and the connection."""
        thump: Message = ("/thump", ())
        return [*self.greeting(reply_port), thump] if reply_port else [thump]

    def reply(self, address: str, args: tuple[object, ...]) -> dict[str, object] | None:
        if not (address.startswith("/reply/") or address.startswith("/update/")):
            return None
        if not address.endswith("/connect") or not args:
            return {}
        try:
            answer = json.loads(str(args[0]))
        except ValueError:
            return {}
        if not isinstance(answer, dict):
            return {}
        return {"connect": answer.get("data") or answer.get("status")}
