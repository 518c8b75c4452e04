"""The show's own timecode, out to the venue's `timecode.outputs` (docs/timecode.md).

Each output is a dispatcher source: its packets are built a frame ahead and leave from
the one precise dispatcher at each frame boundary of the show clock (the timeline's
`t0`), so a console chasing it sees the show's own time, not a second clock's.

The engine tells it what the timeline does: `run` (moving from show time `t` at a
monotonic instant: a start, resume, seek or go after a hold), `freeze` (the timeline
stands still at `t`: pause, hold, stop's fade; from an instant on for a pause that
takes effect a lead later), `stop` (idle: no more code). While standing still an output
repeats the frame it stands on at the frame rate ("stopped code": a console holds its
playback there rather than losing the code); a relocation is simply the new frame on
Art-Net, a full-frame message on MTC.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any

from showctl import smpte
from showctl.core.clock import Clock
from showctl.core.dispatch import Dispatcher
from showctl.model import Show, Venue
from showctl.model.timecode import TimecodeOutput
from showctl.outputs import artnet, mtc

log = logging.getLogger(__name__)

MidiSink = Callable[[bytes], None]
"""Where an MTC output's bytes go: a MIDI port's send."""
MidiOpener = Callable[[str], MidiSink]


class TimecodeStream:
    """One output's frames: a moving segment of the show clock between `_move_from` and
    `_move_until`, stopped code before and after it."""

    def __init__(self, output: TimecodeOutput, dispatcher: Dispatcher, clock: Clock) -> None:
        self.output, self.dispatcher, self.clock = output, dispatcher, clock
        self.rate = output.rate
        self.address = (str(output.host), output.udp_port)
        self.base = 0  # frame count of show time 0 (the show's `timecode.start`)
        self._t0: float | None = None  # monotonic instant of show time 0 while it moves
        self._move_from = math.inf
        self._move_until = math.inf
        self._frozen = 0.0  # show time while standing still
        self._next: float | None = None  # monotonic instant of the next packet
        self._relocated = True  # since the last packet, the code jumped or stopped
        self.sent = 0

    # -- what the engine says --------------------------------------------------------
    def load(self, show: Show) -> None:
        self.base = smpte.to_frames(show.timecode.label, self.rate)

    def run(self, start_at: float, t: float) -> None:
        """Moving from show time `t` at monotonic `start_at` (stopped code on `t` until
        then; at `start_at` the frame on screen then, then every frame boundary)."""
        now = self.clock.monotonic()
        self._t0, self._move_from, self._move_until = start_at - t, start_at, math.inf
        self._frozen = t
        self._restart(now)

    def freeze(self, t: float, at: float | None = None) -> None:
        """Standing still at show time `t`, now or from monotonic `at` on (a pause that
        takes effect then: frames up to it still go out)."""
        now = self.clock.monotonic()
        self._frozen = t
        if at is None or at <= now or self._t0 is None:
            self._t0, self._move_from, self._move_until = None, math.inf, math.inf
            self._restart(now)
            return
        self._move_until = at
        self.dispatcher.drop(self, since=at)
        if self._next is None or self._next > at:
            self._next = at
        self.dispatcher.add(self)

    def stop(self) -> None:
        self._t0, self._next = None, None
        self._move_from = self._move_until = math.inf
        self.dispatcher.remove(self)

    def _restart(self, at: float) -> None:
        self.dispatcher.remove(self)
        self._next, self._relocated = at, True
        self.dispatcher.add(self)

    # -- reading ---------------------------------------------------------------------
    def moving(self, at: float) -> bool:
        return self._t0 is not None and self._move_from <= at < self._move_until

    def count(self, at: float) -> int:
        """The frame count (since 00:00:00:00) the output says at monotonic `at`."""
        if self.moving(at):
            assert self._t0 is not None
            return self.base + smpte.frame_at(at - self._t0, self.rate)
        return self.base + smpte.frame_at(self._frozen, self.rate)

    def status(self) -> dict[str, Any]:
        now = self.clock.monotonic()
        on = self._next is not None
        return {"kind": self.output.kind, "fps": self.rate.name, "to": self.target,
                "state": ("running" if self.moving(now) else "stopped") if on else "off",
                "code": smpte.format_label(smpte.to_label(self.count(now), self.rate),
                                           self.rate) if on else None,
                "sent": self.sent}

    @property
    def target(self) -> str:
        return f"{self.address[0]}:{self.address[1]}"

    # -- the dispatcher's source -----------------------------------------------------
    def peek(self) -> float | None:
        return self._next

    def build(self, dispatcher: Dispatcher) -> None:
        at = self._next
        if at is None:
            return
        label = smpte.to_label(self.count(at), self.rate)
        dispatcher.push(self, at, self.address, self.encode(label), callback=self._counted)
        if self.moving(at):
            assert self._t0 is not None
            k = smpte.frame_at(at - self._t0, self.rate) + 1
            following = self._t0 + smpte.seconds_of(k, self.rate)
            self._next = min(following, self._move_until)
        else:
            following = at + self.rate.frame
            if at < self._move_from < following:
                following = self._move_from
            self._next = following

    def encode(self, label: smpte.Label) -> bytes:
        return artnet.timecode(label, self.rate, self.output.stream)

    def _counted(self) -> None:
        self.sent += 1


class MtcStream(TimecodeStream):
    """MIDI Time Code: a full frame at each relocation (start, seek, the code stopping),
    then while moving four quarter-frame messages a frame, each at its quarter of the
    show clock's frame; nothing more while standing still (a console holds on the last
    full frame). The bytes go to `send` (a MIDI port) at their instant."""

    def __init__(self, output: TimecodeOutput, dispatcher: Dispatcher, clock: Clock,
                 send: MidiSink) -> None:
        super().__init__(output, dispatcher, clock)
        self.send = send

    @property
    def target(self) -> str:
        return str(self.output.port)

    def build(self, dispatcher: Dispatcher) -> None:
        at = self._next
        if at is None:
            return
        quarter = self.rate.frame / 4
        if not self.moving(at) or self._relocated:
            data = mtc.full_frame(smpte.to_label(self.count(at), self.rate), self.rate)
            self._relocated = False
            if self.moving(at):
                assert self._t0 is not None
                q = math.floor((at - self._t0) / quarter + 1e-9) + 1
                self._next = min(self._t0 + q * quarter, self._move_until)
            else:
                self._next = self._move_from if at < self._move_from < math.inf else None
        else:
            assert self._t0 is not None
            q = math.floor((at - self._t0) / quarter + 1e-9)
            cycle_frame = (q // 8) * 2  # the frame the cycle's piece 0 began on
            label = smpte.to_label(self.base + cycle_frame, self.rate)
            data = mtc.quarter_frame(q % 8, label, self.rate)
            self._next = min(self._t0 + (q + 1) * quarter, self._move_until)
        dispatcher.push(self, at, callback=lambda: self._out(data))

    def _out(self, data: bytes) -> None:
        try:
            self.send(data)
        except Exception as exc:  # a MIDI port unplugged must not stop the show
            log.warning("MTC to %s failed: %s", self.target, exc)
        else:
            self.sent += 1


def _nowhere(data: bytes) -> None:
    return None


def open_midi(name: str) -> MidiSink:
    """A MIDI output port by name (mido over python-rtmidi; the files' checks refuse an
    MTC output where the system has no MIDI)."""
    import mido

    port = mido.open_output(name)
    return lambda data: port.send(mido.Message.from_bytes(list(data)))


class TimecodeOut:
    """Every timecode output of a venue, told together."""

    def __init__(self, venue: Venue, dispatcher: Dispatcher, clock: Clock,
                 midi: MidiOpener = open_midi) -> None:
        self.streams: list[TimecodeStream] = []
        for output in venue.timecode.outputs:
            if output.kind == "artnet":
                self.streams.append(TimecodeStream(output, dispatcher, clock))
            elif output.kind == "mtc":
                try:
                    sink = midi(str(output.port))
                except Exception as exc:  # no rtmidi, no such port: the show goes on
                    log.error("MTC output %r cannot open: %s", output.port, exc)
                    sink = _nowhere
                self.streams.append(MtcStream(output, dispatcher, clock, sink))

    def load(self, show: Show) -> None:
        for stream in self.streams:
            stream.load(show)

    def run(self, start_at: float, t: float) -> None:
        for stream in self.streams:
            stream.run(start_at, t)

    def freeze(self, t: float, at: float | None = None) -> None:
        for stream in self.streams:
            stream.freeze(t, at)

    def stop(self) -> None:
        for stream in self.streams:
            stream.stop()

    def status(self) -> list[dict[str, Any]]:
        return [stream.status() for stream in self.streams]
