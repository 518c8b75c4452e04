"""What a player reports once a second (SPEC 3.1 `/showctl/player/status`, 6.1): the one
definition both ends share, the player (`showctl.player`) writing it and the controller
reading it, so the wire's JSON cannot drift between them.

The message is `/showctl/player/status ,ss <device id> <JSON of PlayerStatus>`, sent as
a plain message (no bundle) from the player to the venue's `osc.listen`. Unknown keys are
ignored on reading, so a newer player may add fields without breaking an older
controller; a missing key takes its default.

Signs and units: times in seconds except the `_ms` fields; `sync_error_ms` is the
player's position minus where the controller's last `clock` says it must be (positive:
the picture is ahead); `clock_offset_ms` is the player PC's wall clock minus the
controller's (positive: the player's clock is ahead). How the offset is measured: each
`/showctl/player/clock` bundle carries the controller's timetag T (its wall clock at the
instant) and is sent the device's `latency` before it; the player stamps its arrival A on
its own wall clock and keeps the minimum of A - (T - latency) over the last
`OFFSET_WINDOW` clocks. That is the offset plus the smallest one-way delay seen (network
and the controller's dispatch lateness: tens of microseconds on a LAN with a spinning
dispatcher), so it is an upper bound, exact to within that delay; an asymmetric route
cannot be told from an offset by one-way stamps. `clock_offset_ms` is None until a
clock has arrived.
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

STATUS_ADDRESS = "/showctl/player/status"
CLOCK_ADDRESS = "/showctl/player/clock"
VOLUME_ADDRESS = "/showctl/player/volume"
STATUS_INTERVAL = 1.0
"""Seconds between two status messages of one device."""
OFFSET_WINDOW = 10
"""Clock bundles over which the clock offset's minimum is taken."""
FRAME_MS = 40.0
"""One frame at 25 fps: a screen further than this from its clock is off (the flag)."""

PlayerState = Literal["idle", "loaded", "playing", "paused", "black", "stopped",
                      "restarting"]
"""idle: nothing loaded, black (start-up); loaded: paused at a position, ready to play;
black/stopped: faded out after `black`/`stop` (media unloaded), or by the fail-safe
(`failsafe` says why); restarting: its mpv died and is being started again."""


class PlayerStatus(BaseModel):
    """One device's report. Every field but `device` and `state` has a default, so
    a report that lacks one (an older player) still reads."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    device: str = Field(min_length=1, description="the venue's device id")
    kind: Literal["screen", "audio"] = "screen"
    state: PlayerState
    media: str | None = Field(default=None, description="media name as the controller sent it")
    position: float | None = Field(default=None, description="seconds into the media (mpv)")
    speed: float = Field(default=1.0, description="mpv's speed (nudged by drift correction)")
    show_time: float | None = Field(default=None, description="show time of the last clock")
    sync_error_ms: float | None = Field(
        default=None, description="filtered position error against the clock; None: no clock")
    clock_offset_ms: float | None = Field(
        default=None, description="player wall clock minus the controller's (see module doc)")
    dropped_frames: int = Field(default=0, description="mpv frame-drop-count (video output)")
    decoder_dropped_frames: int = Field(default=0, description="mpv decoder-frame-drop-count")
    delayed_frames: int = Field(default=0, description="mpv vo-delayed-frame-count")
    volume_db: float | None = Field(default=None, description="audio devices: current level")
    late_commands: int = Field(default=0, description="bundles that arrived after their timetag")
    seeks: int = Field(default=0, description="drift corrections by an exact seek")
    mpv_restarts: int = Field(default=0, description="times this device's mpv was restarted")
    refused: int = Field(default=0, description="commands refused or clamped: a position "
                         "outside the media, a bundle too far ahead or over the cap, a "
                         "sender not allowed")
    failsafe: str | None = Field(default=None, description="why the player went dark on its "
                                 "own (no controller), until the controller's clocks return")
    missing: tuple[str, ...] = Field(
        default=(), description="media the venue's shows need here, absent under --media")
    sent_at: float = Field(default=0.0, description="player wall clock when sent")

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, text: str) -> PlayerStatus:
        """ValueError (one line, says what is wrong) for text that is not a status."""
        try:
            return cls.model_validate(json.loads(text))
        except (json.JSONDecodeError, TypeError) as exc:
            raise ValueError(f"player status is not JSON: {exc}") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "status"
            raise ValueError(f"player status: {where}: {first['msg']}") from None

    def off(self) -> bool:
        """More than a frame from its clock: what the dashboard flags."""
        return self.sync_error_ms is not None and abs(self.sync_error_ms) > FRAME_MS
