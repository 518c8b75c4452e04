"""The room's sound levels: the master volume, on top of each audio device's cue level.

A show's `sound` and `volume` cues set a device's *cue level* (dB, as the plan says);
the operator's master volume is added when a `volume` leaves for a player, so what a
player gets is always cue level + master (SPEC 3.2), clamped to the levels a show may
use. Silence stays silence: a cue at -80 dB is not lifted by a master above 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from showctl.model.types import MAX_DB, SILENT_DB
from showctl.outputs.actions import Action, Volume


def combined(cue_db: float, master_db: float) -> float:
    """What a player is told: the sum, silence when either is silent, at most MAX_DB."""
    if cue_db <= SILENT_DB or master_db <= SILENT_DB:
        return SILENT_DB
    return round(min(MAX_DB, max(SILENT_DB, cue_db + master_db)), 3)


def check_level(db: object, fade: object, max_fade: float) -> tuple[float, float]:
    """A master volume request as numbers; ValueError saying what is wrong."""
    if isinstance(db, bool) or not isinstance(db, int | float) or not math.isfinite(db):
        raise ValueError(f"volume {db!r} is not a number of dB")
    if not SILENT_DB <= db <= MAX_DB:
        raise ValueError(f"volume {db:g} dB must be {SILENT_DB:g} (silent) to +{MAX_DB:g} dB")
    if isinstance(fade, bool) or not isinstance(fade, int | float) or not math.isfinite(fade):
        raise ValueError(f"fade {fade!r} is not a number of seconds")
    if not 0 <= fade <= max_fade:
        raise ValueError(f"fade {fade:g} must be 0 to {max_fade:g} seconds")
    return float(db), float(fade)


@dataclass(slots=True)
class Master:
    """The master volume and who set it last (status, events, the file that keeps it)."""

    db: float = 0.0
    fade: float = 0.0
    by: str | None = None
    at: float | None = None  # wall instant it was set

    def resolve(self, actions: Iterable[Action]) -> list[Action]:
        """The actions as they leave: every `volume` at cue level + master."""
        return [Volume(a.device, combined(a.db, self.db), float(a.fade))
                if isinstance(a, Volume) else a for a in actions]

    def as_json(self) -> dict[str, object]:
        return {"db": self.db, "fade": self.fade, "by": self.by, "at": self.at}
