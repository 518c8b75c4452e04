"""DMX levels rendered by the controller: linear fades, 40 frames a second, every fade's
last frame exactly at its end instant with exactly its target value."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

FRAME = 1 / 40
CHANNELS = 512


@dataclass(frozen=True, slots=True)
class Fade:
    start: float
    v0: float
    v1: int
    duration: float

    @property
    def end(self) -> float:
        return self.start + self.duration

    def value(self, t: float) -> float:
        if t >= self.end or self.duration <= 0:
            return float(self.v1) if t >= self.start else self.v0
        if t <= self.start:
            return self.v0
        return self.v0 + (self.v1 - self.v0) * (t - self.start) / self.duration


class Mixer:
    """One universe: the latest fade of each channel (several run at once) and the
    instant of the next frame to send while any of them is still moving,
    `period` seconds apart (40 a second unless the device says otherwise)."""

    def __init__(self, period: float = FRAME) -> None:
        self.period = period
        self._fades: dict[int, Fade] = {}
        self.next_frame: float | None = None

    def value(self, channel: int, t: float) -> float:
        fade = self._fades.get(channel)
        return fade.value(t) if fade else 0.0

    def levels(self, t: float) -> dict[int, int]:
        """Non-zero channels at `t`, rounded (what status shows)."""
        out = {ch: round(self.value(ch, t)) for ch in self._fades}
        return {ch: v for ch, v in sorted(out.items()) if v}

    def snapshot(self, t: float) -> tuple[tuple[int, int], ...]:
        """Every channel ever set, rounded at `t` (zeros included): a cut to this look."""
        return tuple((ch, round(self.value(ch, t))) for ch in sorted(self._fades))

    def frame(self, t: float) -> bytes:
        data = bytearray(CHANNELS)
        for channel in self._fades:
            data[channel - 1] = max(0, min(255, round(self.value(channel, t))))
        return bytes(data)

    def start(self, levels: Iterable[tuple[int, int]], fade: float, at: float) -> None:
        """Channels head for their levels from wherever they are at `at`."""
        for channel, level in levels:
            self._fades[channel] = Fade(at, self.value(channel, at), level, max(0.0, fade))
        if self.next_frame is None or at < self.next_frame:
            self.next_frame = at

    def advance(self, sent: float) -> None:
        """After the frame at `sent`: the next grid instant, or an earlier fade end."""
        ends = [f.end for f in self._fades.values() if f.end > sent + 1e-9]
        if not ends:
            self.next_frame = None
            return
        step, end = sent + self.period, min(ends)
        # a grid instant a rounding error short of the end is the end (frames summed
        # 40 times a second drift by ~1e-15 each: 3.9999999999991 must not precede 4.0)
        self.next_frame = end if step > end - 1e-6 else step


def levels_at(starts: Iterable[tuple[float, Iterable[tuple[int, int]], float]], t: float) -> Mixer:
    """A mixer holding where a timeline of `(at, levels, fade)` has put each channel by `t`
    (seek), with fades still running at `t` continued from there."""
    mixer = Mixer()
    for at, levels, fade in starts:
        if at <= t:
            mixer.start(levels, fade, at)
    return mixer
