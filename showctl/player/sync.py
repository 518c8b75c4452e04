"""Where the media must be, how far it is from there, and what to do about it.

The measurement: mpv's `time-pos` moves in whole frames (or audio chunks), so a single
reading says little (anything up to a frame behind); the instant it *changes* says a lot.
Each change is stamped on arrival (`MpvIpc`), and its deviation from the anchor line is
taken then; the median of the last `WINDOW` deviations is the error, so one late IPC read
(a busy loop) or one odd frame does not move the picture.

The thresholds (docs/player.md):
* under `DEADBAND` (1 ms): leave the speed at 1 (a frame is 20-40 ms; chasing noise
  would only wobble the speed);
* up to `SEEK_ABOVE` (100 ms): nudge the speed in proportion, `1 - error / CONVERGE`,
  capped at `MAX_NUDGE` (5 % for pictures; 1 % for sound, where tempo changes are heard
  even with mpv's pitch correction) so 100 ms is gone within about 2 s, unseen;
* above: an exact seek, cued paused a little ahead and released at its instant (a
  brief freeze, then frame-exact), because nudging 0.5 s away would take 10 s. A seek
  is visible, so it needs two windows in a row over the threshold (the second of wholly
  fresh frames): a loop stalled for a moment, stamping a run of frames late, makes none.
For comparison: omxplayer-sync resyncs above 50 ms on the median of its deviations
(it has no speed control); node-omxplayer-sync nudges below 1 s and jumps above (its
nudges are coarse); BrightSign's frame sync nudges every frame. mpv's exact seeks and
fine speed steps let us nudge small errors continuously and jump only for large ones.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass

WINDOW = 9
"""Deviations whose median is the error: ~0.2 s at 50 fps, ~0.4 s at 25 fps."""
DECIDE_EVERY = 3
"""Frames between two corrections (mpv needs a few frames to show a new speed)."""
DEADBAND = 0.001
SEEK_ABOVE = 0.100
CONVERGE = 1.0
"""Seconds over which a nudge would remove the error (a proportional controller)."""
MAX_NUDGE = {"screen": 0.05, "audio": 0.01}
SPEED_STEP = 0.0005
"""Speed changes smaller than this are not sent (each set is a message to mpv)."""


@dataclass(frozen=True, slots=True)
class Anchor:
    """The media must be at `position` at wall time `wall` and move in real time."""

    media: str
    wall: float
    position: float

    def expected(self, wall: float) -> float:
        return self.position + (wall - self.wall)


class Drift:
    """The filtered deviation from the anchor, and the speed or seek that corrects it."""

    def __init__(self, kind: str = "screen") -> None:
        self.max_nudge = MAX_NUDGE.get(kind, MAX_NUDGE["screen"])
        self.deviations: deque[float] = deque(maxlen=WINDOW)
        self._since = 0
        self._confirming = False

    def reset(self) -> None:
        """After a seek, a load or a new anchor far from the old one: old frames lie."""
        self.deviations.clear()
        self._since = 0
        self._confirming = False

    def add(self, deviation: float) -> None:
        self.deviations.append(deviation)
        self._since += 1

    @property
    def error(self) -> float | None:
        """Seconds ahead (+) or behind (-) the anchor; None until the window is full."""
        if len(self.deviations) < WINDOW:
            return None
        return statistics.median(self.deviations)

    def decide(self, speed: float) -> float | str | None:
        """A new speed, "seek", or None (nothing to do) given mpv's current speed."""
        error = self.error
        if error is None or self._since < DECIDE_EVERY:
            return None
        self._since = 0
        if abs(error) > SEEK_ABOVE:
            if self._confirming:  # a second window of fresh frames says the same
                self.reset()
                return "seek"
            self.deviations.clear()  # a stalled loop stamps a run of frames late:
            self._confirming = True  # a seek (a visible freeze) waits for fresh ones
            return None
        self._confirming = False
        wanted = 1.0 if abs(error) <= DEADBAND else 1.0 - error / CONVERGE
        wanted = min(1.0 + self.max_nudge, max(1.0 - self.max_nudge, wanted))
        if abs(wanted - speed) < SPEED_STEP and not (wanted == 1.0 and speed != 1.0):
            return None
        return round(wanted, 5)


class ClockOffset:
    """This PC's wall clock minus the controller's, from clock bundles' timetags (the
    method and its limits: showctl.model.player_status)."""

    def __init__(self, window: int) -> None:
        self.samples: deque[float] = deque(maxlen=window)

    def add(self, arrival: float, timetag: float, latency: float) -> None:
        self.samples.append(arrival - (timetag - latency))  # it left `latency` early

    @property
    def offset(self) -> float | None:
        return min(self.samples) if self.samples else None
