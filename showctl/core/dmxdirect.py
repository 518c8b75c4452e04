"""DMX direct (`sacn`, `artnet` profiles): a device's frames at its own rate while a fade
moves, then kept alive as the standards expect.

E1.31-2016 section 6.6.1: a source whose data stops changing sends three more packets,
then at least one every 800-1000 ms (receivers give a source up after 2.5 s without a
packet, and fall back to the next priority); Art-Net 4 asks for a refresh at least every
4 s. So an unchanged universe is sent three more times at the rate, then once a second
(the profile's `keepalive`), for as long as the controller runs: a receiver never sees
the controller's look vanish between two cues.
"""

from __future__ import annotations

from collections.abc import Iterable

from showctl.core.clock import Anchor
from showctl.core.dispatch import Dispatcher
from showctl.core.timeline import DmxStream
from showctl.outputs.actions import Dmx
from showctl.outputs.dmx import Mixer
from showctl.outputs.router import Router

DEFAULT_RATE = 40.0
REPEATS = 3
"""Frames of unchanged data at the full rate before the keep-alive's slower refresh."""


class SteadyStream(DmxStream):
    def __init__(self, device: str, router: Router, dispatcher: Dispatcher, *,
                 rate: float, keepalive: float) -> None:
        super().__init__(device, router, dispatcher)
        self.mixer = Mixer(period=1.0 / rate)
        self.keepalive = keepalive
        self._last: float | None = None  # the latest frame built
        self._last_frame = b""
        self._repeats = 0

    def start(self, levels: Iterable[tuple[int, int]], fade: float, at: float,
              anchor: Anchor) -> None:
        super().start(levels, fade, at, anchor)
        self._repeats = 0
        if (self._last is not None and abs(self._last - at) < 1e-9
                and self.dispatcher.clock.monotonic() >= at
                and self.mixer.frame(at) == self._last_frame):
            # a fade starting where the last one ended, its frame already sent: the
            # same frame again at the same instant would break the steady rate
            self.mixer.advance(at)

    def peek(self) -> float | None:
        moving = self.mixer.next_frame
        if moving is not None or self._last is None:
            return moving
        return self._last + (self.mixer.period if self._repeats < REPEATS else self.keepalive)

    def build(self, dispatcher: Dispatcher) -> None:
        if self.mixer.next_frame is not None:
            at = self.mixer.next_frame
            self._last_frame = self.mixer.frame(at)
            super().build(dispatcher)
            self._last, self._repeats = at, 0
            return
        t = self.peek()
        if t is None:
            return
        frame = Dmx(self.device, self.mixer.frame(t))
        self._last_frame = frame.frame
        for _, address, data in self.router.packets([frame], None):
            dispatcher.push(self, t - self.router.lead[self.device], address, data, deadline=t)
        self._built_until = t
        self._last = t
        self._repeats += 1


def stream_for(device: str, router: Router, dispatcher: Dispatcher) -> DmxStream:
    """The device's stream: steady and kept alive when its profile says how often
    (`keepalive`), else frames only while a fade moves (the `ola` profile)."""
    profile = router.profiles[device]
    keepalive: float | None = getattr(profile, "keepalive", None)
    if keepalive is None:
        return DmxStream(device, router, dispatcher)
    rate = profile.device.rate or DEFAULT_RATE
    return SteadyStream(device, router, dispatcher, rate=rate, keepalive=keepalive)
