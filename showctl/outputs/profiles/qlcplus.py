"""`qlcplus`: QLC+ 4.12, through its web API (default) or its OSC input plugin.

Over the web API (`transport: websocket`, the default; TCP 9999, QLC+ started with
`-w`): a `lights` cue starts the QLC+ function of that name, and starting one that runs
changes nothing, so a cue fired twice, a stop onto the safe look already up or a PANIC
never turn the lights off (showctl.outputs.qlcweb, which cites QLC+'s webaccess.cpp and
the Bitfocus Companion module's actions.js). The function's own fades apply.

Over OSC (`transport: udp`, 7700 for universe 1). Source: QLC+ documentation, "OSC
plugin" (https://docs.qlcplus.org/v4/plugins/osc): the input of universe N listens on
UDP 7700 + N - 1; a path is a channel whose number is the path's 16-bit checksum (what
the plugin's configuration dialog calculates), bound to a Virtual Console widget. And
its source (plugins/osc/oscpacketizer.cpp, 4.12.6): a message without a numeric argument
carries no value and is dropped, and the bundle's timetag is skipped ("QLC+ plugins
don't support such thing"): plain messages at the instant. A `lights` cue presses and
releases the button bound to `/showctl/cue/<cue>` (1.0 then 0.0); a Virtual Console
button toggles on each press, so recalling a cue that is already up turns it off: the
files' checks say so (a note) for every device on OSC.
"""

from __future__ import annotations

import re
from types import MappingProxyType

from showctl.codec.osc import Arg
from showctl.outputs.actions import Action, Lights, Osc
from showctl.outputs.profiles.base import Bundles, Message, Profile, Transport
from showctl.outputs.qlcweb import recall

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
    source = ("QLC+ 4.12 web API (webaccess/src/webaccess.cpp in 4.12.6, QLC+API "
              "setFunctionStatus; Bitfocus companion-module-massimo-callegari-qlcplus "
              "actions.js) and OSC plugin (docs.qlcplus.org/v4/plugins/osc; "
              "plugins/osc/oscpacketizer.cpp and osccontroller.cpp in 4.12.6)")
    kinds = frozenset({"lights", "osc"})
    bundles = Bundles.IGNORED
    transport = Transport.WEBSOCKET
    transports = frozenset({Transport.WEBSOCKET, Transport.UDP})
    ports = MappingProxyType({Transport.WEBSOCKET: 9999, Transport.UDP: 7700})
    options = frozenset({"transport"})
    silent_why = "QLC+'s OSC input answers nothing: transport websocket (its web API) does"

    @property
    def web(self) -> bool:
        return self.wire is Transport.WEBSOCKET

    @property
    def answering(self) -> bool:
        return self.web  # QLC+ answers its web API; its OSC input says nothing back

    def check(self, action: Action) -> str | None:
        if not isinstance(action, Lights):
            return None
        if self.web:
            if not action.cue or "|" in action.cue:
                return (f"cue {action.cue!r} cannot name a QLC+ function over its web API "
                        "(no '|', not empty)")
            return None
        if not _PATH_SAFE.match(action.cue):
            return (f"cue {action.cue!r} cannot be an OSC path for QLC+: use letters, "
                    "digits and - _ . : + only")
        return None

    def note(self) -> str | None:
        if self.web:
            return None
        return ("QLC+ over OSC presses a Virtual Console button, which toggles: a cue "
                "recalled while it is up (fired twice, the safe look on the safe look, "
                "PANIC) turns it off. Use transport: websocket (QLC+'s web API, port 9999)")

    def messages(self, action: Action) -> list[Message]:
        if self.web and isinstance(action, Osc):  # the escape hatch: one raw API line
            return [(action.address, action.values)]
        return super().messages(action)

    def translate(self, action: Action) -> list[Message]:
        assert isinstance(action, Lights)  # its one kind besides osc
        if self.web:
            return [("recall", (action.cue,))]
        path = PREFIX + action.cue
        return [(path, (1.0,)), (path, (0.0,))]

    def encode(self, address: str, args: tuple[Arg, ...]) -> bytes:
        if not self.web:
            return super().encode(address, args)
        if address == "recall":
            return recall(str(args[0]))
        return "|".join([address, *map(str, args)]).encode()

    def show(self, address: str, args: tuple[Arg, ...]) -> str:
        if not self.web:
            return super().show(address, args)
        if address == "recall":
            return f"QLC+ web API: start function {args[0]!r} (stop the one before)"
        return f"QLC+ web API: {'|'.join([address, *map(str, args)])}"
