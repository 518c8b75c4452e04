"""What a player confirms it does (its `/showctl/player/status`), against what it was
told (the device book): the dashboard's "confirmed vs commanded", and the flag on a
player that is not where it should be.

A player is flagged when, at the instant of its report, it is in another state than
commanded (playing when told to pause...), plays other media, or is more than one frame
(`FRAME_MS`) from where it should be. The distance is the player's own filtered sync
error when it has one (measured against the clock, without network jitter); else the
controller's: the commanded position at the report's instant minus the reported one.
A report made before the last command took effect cannot show it: it is not judged.
"""

from __future__ import annotations

from typing import Any

from showctl.core.devices import Output
from showctl.model.player_status import FRAME_MS, PlayerStatus

SAME = {  # commanded state -> the states a player may report for it
    "idle": {"idle", "black", "stopped"},
    "black": {"black", "idle", "stopped"},
    "stopped": {"stopped", "idle", "black"},
    "loaded": {"loaded", "paused"},
    "paused": {"paused", "loaded"},
    "playing": {"playing"},
}
WITH_MEDIA = {"loaded", "paused", "playing"}
SETTLE = 0.05
"""Seconds after a command takes effect before a report is expected to show it."""


def confirmed_json(status: PlayerStatus, reported_at: float) -> dict[str, Any]:
    """The part of a report that status() shows per device."""
    return {"state": status.state, "media": status.media, "position": status.position,
            "sync_error_ms": status.sync_error_ms, "clock_offset_ms": status.clock_offset_ms,
            "dropped_frames": status.dropped_frames + status.decoder_dropped_frames,
            "delayed_frames": status.delayed_frames, "volume_db": status.volume_db,
            "missing": list(status.missing), "reported_at": reported_at}


def report_instant(status: PlayerStatus, wall: float) -> float:
    """The controller's wall instant the report describes: its send time on the player's
    clock corrected by the measured offset; the arrival when it says neither."""
    if not status.sent_at:
        return wall
    offset = (status.clock_offset_ms or 0.0) / 1000
    made = status.sent_at - offset
    return made if made <= wall else wall  # never in the future


def mismatch(commanded: Output, status: PlayerStatus, at: float) -> str | None:
    """Why the player is not where it should be at monotonic instant `at` (the report's),
    or None. None too when the report predates the last command."""
    if at < commanded.since + SETTLE:
        return None
    told = commanded.state
    if status.state not in SAME.get(told, {told}):
        return f"{status.state}, told {told}"
    if told in WITH_MEDIA and status.media != commanded.media:
        return f"plays {status.media!r}, told {commanded.media!r}"
    if told != "playing" or status.position is None:
        return None
    if status.sync_error_ms is not None:
        error_ms = status.sync_error_ms
    else:
        error_ms = (status.position - commanded.position_at(at)) * 1000
    if abs(error_ms) > FRAME_MS:
        return f"{error_ms:+.0f} ms off ({abs(error_ms) / FRAME_MS:.1f} frames)"
    return None
