"""`eos`: ETC Eos family consoles (Eos, Ion, Element, Nomad), software v3.2.

Source: ETC, Eos Family Operations Manual v3.2, "Show Control > Open Sound Control"
(online help: https://www.etcconnect.com/WebDocs/Controls/EosFamilyOnlineHelp/en/Content/
23_Show_Control/08_OSC/): "Eos OSC Setup" (TCP on port 3032, OSC 1.0 packet-length or
OSC 1.1 SLIP framing as set in Setup > System > Show Control > OSC; UDP on the ports set
there, 8000/8001 recommended), "Supported OSC Input" (`/eos/cue/<list>/<cue>/fire`),
"Ping" (`/eos/ping` answered `/eos/out/ping` with the same arguments), "Implicit OSC
Output" (`/eos/out/active/cue/text`, once a second) and "OSC List Convention" (commands
over 512 bytes are split). Bundles are not documented: plain messages at the instant.
A cue's own times apply: Eos's fire command takes no fade.

Ports and framing as the console ships them, and as the Bitfocus Companion module
(github.com/bitfocus/companion-module-etc-eos, constants.js `EOS_PORT = 3032`,
`EOS_PORT_SLIP = 3037`; main.js picks 3037 for SLIP) connects: TCP 3032 framed OSC 1.0
(an int32 length before each packet, Eos's default) and TCP 3037 SLIP (OSC 1.1, Eos
3.1 and later); the default here is TCP 3032 length-prefixed, where the console answers
`/eos/ping` on the same connection. `transport: tcp` frames by the port (3037: SLIP,
else length-prefixed) unless `framing:` says; UDP has no factory port (8000 is the one
ETC's setup examples use) and answers only to the console's OSC UDP TX port, which the
venue gives as `feedback_port`.
"""

from __future__ import annotations

from types import MappingProxyType

from showctl.outputs.actions import Action, Lights
from showctl.outputs.profiles.base import Bundles, Message, Profile, Transport, cue_number

SLIP_PORT = 3037


class EosProfile(Profile):
    name = "eos"
    source = ("ETC Eos Family Operations Manual v3.2, Show Control > Open Sound Control "
              "(etcconnect.com EosFamilyOnlineHelp 23_Show_Control/08_OSC)")
    kinds = frozenset({"lights", "osc"})
    bundles = Bundles.REFUSED
    transport = Transport.TCP_LENGTH
    transports = frozenset({Transport.UDP, Transport.TCP_SLIP, Transport.TCP_LENGTH})
    ports = MappingProxyType({Transport.TCP_LENGTH: 3032, Transport.TCP_SLIP: 3037,
                              Transport.UDP: 8000})
    max_packet = 512
    options = frozenset({"cue_list", "transport", "framing", "feedback_port"})

    @property
    def answering(self) -> bool:
        """Over UDP Eos answers to its OSC UDP TX port only: without it as the device's
        `feedback_port` its answers never reach us."""
        return self.wire is not Transport.UDP or self.device.feedback_port is not None

    silent_why = ("over UDP Eos answers /eos/ping on its OSC UDP TX port: give that port as "
                  "the device's feedback_port (or use TCP, its default)")

    def tcp_framing(self) -> Transport:
        return Transport.TCP_SLIP if self.device.port == SLIP_PORT else Transport.TCP_LENGTH
    answers = True

    def check(self, action: Action) -> str | None:
        if isinstance(action, Lights):
            return cue_number(action.cue, "an Eos cue number (5, 12.5)")
        return None

    def translate(self, action: Action) -> list[Message]:
        assert isinstance(action, Lights)  # its one kind besides osc
        return [(f"/eos/cue/{self.device.cue_list or 1}/{action.cue}/fire", ())]

    def ping(self, reply_port: int | None = None) -> list[Message]:
        return [("/eos/ping", ("showctl",))]

    def reply(self, address: str, args: tuple[object, ...]) -> dict[str, object] | None:
        if address == "/eos/out/active/cue/text" and args:
            return {"active_cue": str(args[0])}
        if address == "/eos/out/pending/cue/text" and args:
            return {"pending_cue": str(args[0])}
        if address.startswith("/eos/out/"):
            return {}  # the ping's answer, or any other output: the console is there
        return None
