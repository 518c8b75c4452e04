"""The transport's states (docs/engine.md): what `Controller.state`, `status()["state"]`
and every `state` event say. A `StrEnum`, so a state is its name in JSON, in OSC replies
and in comparisons (`TransportState.IDLE == "idle"`)."""

from __future__ import annotations

from enum import StrEnum


class TransportState(StrEnum):
    IDLE = "idle"  # no show loaded
    LOADED = "loaded"  # a show loaded, screens cued on their first frame
    PREROLLING = "prerolling"  # GO given, waiting for the end of the preroll
    RUNNING = "running"  # the timeline moves
    HOLDING = "holding"  # stopped at a hold cue until GO
    PAUSED = "paused"  # timeline and players paused
    STOPPING = "stopping"  # the stop's fade runs; idle at its end


BUSY = frozenset({TransportState.PREROLLING, TransportState.RUNNING, TransportState.HOLDING,
                  TransportState.PAUSED, TransportState.STOPPING})
"""A show is under way: the schedule waits, a load is refused."""

LOADED = frozenset({TransportState.LOADED, TransportState.PREROLLING, TransportState.RUNNING,
                    TransportState.HOLDING, TransportState.PAUSED})
"""A show is loaded and not ending: it can be stopped, sought, its cues fired."""
