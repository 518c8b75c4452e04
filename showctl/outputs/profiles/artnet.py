"""`artnet`: DMX straight from the controller as Art-Net 4 ArtDmx (UDP 6454).

Source: Artistic Licence, "Art-Net 4" (art-net.org.uk), ArtDmx: the 15-bit Port-Address
(the device's `universe`: Net, Sub-Net, Universe), a Sequence 1-255 so that a node can
put datagrams back in order (0 would switch that off), 512 channels. The controller
renders the fades (`rate`, default 40 frames a second) and refreshes an unchanged
universe once a second: Art-Net 4 asks for a refresh at least every 4 seconds, after
which a node's merge forgets the source.
"""

from __future__ import annotations

from typing import ClassVar

from showctl.codec.osc import Arg
from showctl.model import Device
from showctl.outputs import artnet
from showctl.outputs.actions import Action, Dmx
from showctl.outputs.profiles.base import Bundles, Message, Profile

KEEPALIVE = 1.0
"""Seconds between frames of an unchanged universe (after three at the full rate)."""


class ArtnetProfile(Profile):
    name = "artnet"
    source = "https://art-net.org.uk/ (Art-Net 4, ArtDmx)"
    kinds = frozenset({"dmx"})
    bundles = Bundles.IGNORED  # not OSC: each frame leaves at its instant
    options = frozenset({"rate"})
    keepalive: ClassVar[float] = KEEPALIVE

    def __init__(self, device: Device) -> None:
        super().__init__(device)
        self._sequence = 0

    def translate(self, action: Action) -> list[Message]:
        assert isinstance(action, Dmx)  # the only kind it translates
        return [("artdmx", (bytes(action.frame),))]

    def encode(self, address: str, args: tuple[Arg, ...]) -> bytes:
        self._sequence = self._sequence % 255 + 1
        frame = args[0]
        assert isinstance(frame, bytes)
        return artnet.dmx(self.device.universe, frame, self._sequence)

    def show(self, address: str, args: tuple[Arg, ...]) -> str:
        frame = args[0]
        assert isinstance(frame, bytes)
        return f"ArtDmx universe {self.device.universe}: {nonzero(frame)}"


def nonzero(frame: bytes) -> str:
    levels = [f"{i}@{v}" for i, v in enumerate(frame, start=1) if v]
    return " ".join(levels) if levels else "all 0"
