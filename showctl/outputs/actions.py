"""Device actions: the vocabulary between the core (which plans them) and the profiles
(which turn them into one product's OSC). Here, below both, so neither imports the other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Action:
    """One abstract command to one device; a profile turns it into OSC.

    kinds and args: load/play (media, position), pause, resume, stop/black (fade,),
    seek (position,), clock (show time, media, position), volume (dB, fade), lights (cue,
    fade), levels (((ch, level), ...), fade), dmx (512-byte frame,), osc (address, *args).
    A `volume` in a plan is the cue's level: the master volume is added as it leaves
    (core/mix.py).
    """

    device: str
    kind: str
    args: tuple[Any, ...] = ()
