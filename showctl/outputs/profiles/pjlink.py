"""`pjlink`: projectors (PJLink class 1, TCP 4352). No OSC: the power sequence and the
self-check drive them through `showctl.outputs.pjlink`."""

from __future__ import annotations

from showctl.outputs.actions import Action
from showctl.outputs.profiles.base import Bundles, Message, Profile


class PjlinkProfile(Profile):
    name = "pjlink"
    source = "PJLink Specifications Class 1, version 1.04 (JBMIA)"
    kinds = frozenset[str]()
    bundles = Bundles.REFUSED  # no OSC at all

    def translate(self, action: Action) -> list[Message]:
        return []
