"""What a profile is: the translation of abstract actions into one product's OSC."""

from __future__ import annotations

from typing import ClassVar

from showctl.codec.osc import Arg
from showctl.model import Device
from showctl.outputs.actions import Action

Message = tuple[str, tuple[Arg, ...]]
"""An OSC address and its arguments, as a profile says them."""


class Profile:
    """Turns an `Action` for one device into the OSC messages that product understands.

    Subclasses set `name` (what venue.yaml's `profile:` says), `source` (where the OSC
    comes from: the product's documentation) and `kinds` (the actions they support);
    an action of another kind sends nothing to that device.
    """

    name: ClassVar[str]
    source: ClassVar[str]
    kinds: ClassVar[frozenset[str]]

    def __init__(self, device: Device) -> None:
        self.device = device

    def supports(self, kind: str) -> bool:
        return kind in self.kinds

    def messages(self, action: Action) -> list[Message]:
        if action.kind not in self.kinds:
            return []
        if action.kind == "osc":
            address, *args = action.args
            return [(address, tuple(args))]
        return self.translate(action)

    def translate(self, action: Action) -> list[Message]:
        raise NotImplementedError
