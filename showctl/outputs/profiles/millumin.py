"""`millumin`: Millumin 5 (Anomes).

Source: Millumin OSC documentation for V5 (https://github.com/anome/millumin-dev-kit/
wiki/OSC-documentation): input on UDP 5000 by default; `/millumin/action/launchColumn`
takes a column's index or name, `/millumin/action/stopColumn` stops it; the API is case
insensitive. Bundles are not documented: plain messages at the instant.

Pause and resume are the timeline's: `/millumin/action/pauseTimeline` and
`/millumin/action/playTimeline`, as the Bitfocus Companion module sends them
(companion-module-anomes-millumin, millumin.js `pauseTl`, `playTl`).

A show's media name for a Millumin device is a dashboard column: its number ("4") or
its name ("Opening").
"""

from __future__ import annotations

from types import MappingProxyType

from showctl.outputs.actions import Action, Play
from showctl.outputs.profiles.base import Bundles, Message, Profile, Transport


class MilluminProfile(Profile):
    name = "millumin"
    source = "Millumin V5 OSC documentation (github.com/anome/millumin-dev-kit/wiki)"
    kinds = frozenset({"play", "pause", "resume", "stop", "black", "osc"})
    bundles = Bundles.REFUSED
    silent_why = ("Millumin's OSC feedback sends what changes, nothing while it is idle: "
                  "silence would not mean it is gone")
    ports = MappingProxyType({Transport.UDP: 5000})  # "input on UDP 5000 by default"

    def translate(self, action: Action) -> list[Message]:
        if action.kind == "pause":
            return [("/millumin/action/pauseTimeline", ())]
        if action.kind == "resume":
            return [("/millumin/action/playTimeline", ())]
        if not isinstance(action, Play):
            return [("/millumin/action/stopColumn", ())]
        column = action.media
        return [("/millumin/action/launchColumn", (int(column) if column.isdigit() else column,))]
