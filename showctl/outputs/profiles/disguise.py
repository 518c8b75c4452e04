"""`disguise`: disguise Designer (d3) through its OSC Event Transport.

Source: disguise user guide, "OSC syntax library" and "Triggering cues with OSC"
(https://help.disguise.one/designer/timeline-tracks-transports/osc/): default addresses
`/d3/showcontrol/play`, `/d3/showcontrol/stop` (a message with no argument triggers),
and `/d3/showcontrol/cue` with 1 to 3 integers, one per part of the cue number (cue 1.2.5
is 1, 2, 5). Bundles are not documented: plain messages at the instant.

Liveness: "Monitoring the Transport" (help.disguise.one/designer/timeline-tracks-
transports/osc/monitoring): the OSC Event Transport sends, by default, a heartbeat
`/d3/showcontrol/heartbeat` ("a continually varying float") and `/d3/showcontrol/
trackname`, `trackposition`... to its OSC device's destination. With the device's
`feedback_port` given (and the disguise OSC device sending to the controller there),
the heartbeat makes it online; without, its liveness is unknown.

A show's media name for a disguise device is a cue number of its track ("1.2.5"): the
profile calls the cue, then plays; pause is stop (the playhead holds), resume is play.
"""

from __future__ import annotations

import re

from showctl.outputs.actions import Action, Play
from showctl.outputs.profiles.base import Bundles, Message, Profile

_CUE = re.compile(r"^\d+(\.\d+){0,2}$")


class DisguiseProfile(Profile):
    name = "disguise"
    source = ("disguise Designer user guide, OSC syntax library and Triggering cues with OSC "
              "(help.disguise.one/designer/timeline-tracks-transports/osc)")
    kinds = frozenset({"play", "pause", "resume", "stop", "osc"})
    options = frozenset({"feedback_port"})
    silent_why = ("disguise sends its heartbeat to its OSC device's destination: give "
                  "feedback_port and point the OSC device there")

    @property
    def answering(self) -> bool:
        return self.device.feedback_port is not None

    def reply(self, address: str, args: tuple[object, ...]) -> dict[str, object] | None:
        if address == "/d3/showcontrol/trackname" and args:
            return {"track": str(args[0])}
        if address == "/d3/showcontrol/trackposition" and args:
            return {"track_position": str(args[0])}
        if address.startswith("/d3/showcontrol/"):
            return {}  # the heartbeat, or any other output: Designer is running
        return None
    bundles = Bundles.REFUSED

    def check(self, action: Action) -> str | None:
        if isinstance(action, Play) and not _CUE.match(action.media):
            return (f"media {action.media!r} is not a disguise cue number: write 1 to 3 "
                    "whole numbers with dots, e.g. \"1.2.5\"")
        return None

    def translate(self, action: Action) -> list[Message]:
        if isinstance(action, Play):
            parts = tuple(int(p) for p in action.media.split("."))
            return [("/d3/showcontrol/cue", parts), ("/d3/showcontrol/play", ())]
        verb = "play" if action.kind == "resume" else "stop"
        return [(f"/d3/showcontrol/{verb}", ())]
