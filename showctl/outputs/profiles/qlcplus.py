"""`qlcplus`: QLC+ 4.12 through its OSC input plugin.

Source: QLC+ documentation, "OSC plugin" (https://docs.qlcplus.org/v4/plugins/osc): the
input of universe N listens on UDP 7700 + N - 1; a path is a channel whose number is
the path's 16-bit checksum (what the plugin's configuration dialog calculates), bound to
a Virtual Console widget. And its source (plugins/osc/oscpacketizer.cpp, 4.12.6): a
message without a numeric argument carries no value and is dropped, and the bundle's
timetag is skipped ("QLC+ plugins don't support such thing"): plain messages at the
instant. A `lights` cue presses and releases the button bound to `/showctl/cue/<cue>`
(1.0 then 0.0, as a controller's button would); put the cues' buttons in a Solo Frame so
a new cue stops the previous one. The fade is the function's own.
"""

from __future__ import annotations

import re

from showctl.outputs.actions import Action, Lights
from showctl.outputs.profiles.base import Bundles, Message, Profile

PREFIX = "/showctl/cue/"
_PATH_SAFE = re.compile(r"^[A-Za-z0-9_.:+-]+$")


def checksum(path: str) -> int:
    """QLC+'s channel for an OSC path: CRC-16 (ISO 3309 / X.25), as Qt's qChecksum."""
    crc = 0xFFFF
    for byte in path.encode():
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return ~crc & 0xFFFF


class QlcplusProfile(Profile):
    name = "qlcplus"
    source = ("QLC+ 4.12 OSC plugin (docs.qlcplus.org/v4/plugins/osc; "
              "plugins/osc/oscpacketizer.cpp and osccontroller.cpp in 4.12.6)")
    kinds = frozenset({"lights", "osc"})
    bundles = Bundles.IGNORED

    def check(self, action: Action) -> str | None:
        if isinstance(action, Lights) and not _PATH_SAFE.match(action.cue):
            return (f"cue {action.cue!r} cannot be an OSC path for QLC+: use letters, "
                    "digits and - _ . : + only")
        return None

    def translate(self, action: Action) -> list[Message]:
        assert isinstance(action, Lights)  # its one kind besides osc
        path = PREFIX + action.cue
        return [(path, (1.0,)), (path, (0.0,))]
