"""`ola`: direct DMX through the Open Lighting Architecture's OSC plugin.

OLA's OSC plugin receives a whole universe as one blob at `/dmx/universe/N`
(https://www.openlighting.org/ola/developer-documentation/osc-plugin/ and
`olad`'s ola-osc.conf: input ports listen on `/dmx/universe/%d`, blob format).
The controller renders fades itself (40 Hz) and sends `dmx` frames of 512 bytes.
"""

from __future__ import annotations

from types import MappingProxyType

from showctl.outputs.actions import Action, Dmx
from showctl.outputs.profiles.base import Bundles, Message, Profile, Transport


class OlaProfile(Profile):
    name = "ola"
    source = "https://www.openlighting.org/ola/developer-documentation/osc-plugin/"
    kinds = frozenset({"dmx", "osc"})
    # olad (0.10.9) reads OSC with liblo but runs liblo's queue only when a packet
    # arrives: a bundle timetagged ahead waits for the next packet (measured in
    # tests/outputs/test_olad.py), so frames go as plain messages at their instant
    bundles = Bundles.IGNORED
    silent_why = "olad's OSC input answers nothing"
    ports = MappingProxyType({Transport.UDP: 7770})  # OLA plugins/osc/OSCPlugin.h:
    # DEFAULT_UDP_PORT = 7770 (ola-osc.conf `udp_listen_port`)

    def translate(self, action: Action) -> list[Message]:
        assert isinstance(action, Dmx)  # the only kind it translates
        frame = action.frame
        return [(f"/dmx/universe/{self.device.universe}", (bytes(frame),))]
