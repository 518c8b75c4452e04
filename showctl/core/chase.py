"""Chase: the loaded show slaved to an external master's Art-Net timecode (venue
`timecode.input`, docs/timecode.md).

The master's code is read as it arrives on the input's UDP port: ArtTimeCode packets
(`kind: artnet`), or LTC as raw PCM audio decoded by libltc (`kind: ltc`,
outputs/ltc_in.py: each frame with how long ago it began, so that the time it says is
the master's now, not the instant its last bit arrived). Frame `count` of the show's
start label is show time `(count - start) / fps` at the packet's
arrival. States: `waiting` (no code, or no show loaded), `prerolling` (advancing code,
fewer than `preroll_frames` consecutive frames yet), `locked` (the show runs on the
master's time: started, resumed or sought there; a drift or a relocation of more than
`TOLERANCE` frames seeks it again), `freewheel` (the code stopped advancing: the show
runs on on its own clock), `lost` (no advancing code for `freewheel_frames`: the show
holds (pauses) or stops, `on_loss`). Repeated frames (the master's stopped code) are
not advancing code: the show freewheels, then holds where the master stands.

It acts only through the controller's own commands (`seek`, `go`, `resume`, `pause`,
`stop`, by `chase`), as every face does; the packets are counted, a bad one is logged
(rate-limited by the service's log filter, showctl/lograte.py) and dropped.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import TYPE_CHECKING, Any

from showctl import smpte
from showctl.core.clock import Clock
from showctl.core.errors import CommandError
from showctl.core.transport import TransportState
from showctl.errors import UserError
from showctl.model.timecode import TimecodeInput
from showctl.outputs import artnet
from showctl.outputs.ltc import LtcUnavailable
from showctl.outputs.ltc_in import LtcReader

if TYPE_CHECKING:
    from showctl.core.controller import Controller

log = logging.getLogger(__name__)
BY = "chase"
TOLERANCE = 1.5
"""Frames the show may be off the master's code before it is sought there again (the
locked error stays within 2 frames: a seek lands on the code within a frame)."""
FREEWHEEL_AFTER = 1.5
"""Frames without a new frame after which the show is freewheeling."""


class Chase:
    def __init__(self, controller: Controller, config: TimecodeInput, clock: Clock) -> None:
        self.controller, self.config, self.clock = controller, config, clock
        self.rate = config.rate
        self.state = "waiting"
        self._last_count: int | None = None
        self._last_at = 0.0  # monotonic arrival of the last advancing frame
        self._code_time: float | None = None  # show time the last advancing frame said
        self._consecutive = 0
        self._watch: asyncio.Task[None] | None = None
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.setblocking(False)
        try:
            self.sock.bind((str(config.listen), config.port))
        except OSError as exc:
            self.sock.close()
            raise UserError(f"timecode input cannot listen on {config.listen}:{config.port}: "
                            f"{exc.strerror or exc}") from None
        self._ltc: LtcReader | None = None
        if config.kind == "ltc":
            try:
                self._ltc = LtcReader(self.rate, config.sample_rate, config.channels,
                                      config.channel)
            except LtcUnavailable as exc:
                self.sock.close()
                raise UserError(f"timecode input: {exc}") from None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def source(self) -> str:
        host, port = self.sock.getsockname()
        if self.config.kind == "ltc":
            return (f"ltc {host}:{port} (s16le {self.config.sample_rate} Hz, channel "
                    f"{self.config.channel} of {self.config.channels})")
        return f"{self.config.kind} {host}:{port}"

    def start(self) -> None:
        """Reads the input on the running loop."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            self._loop.add_reader(self.sock.fileno(), self._readable)

    async def close(self) -> None:
        if self._loop is not None:
            self._loop.remove_reader(self.sock.fileno())
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        self.sock.close()
        if self._ltc is not None:
            self._ltc.close()

    # -- reading ---------------------------------------------------------------------
    def _readable(self) -> None:
        for _ in range(64):  # bounded: a flood cannot hold the loop
            try:
                data, _ = self.sock.recvfrom(65536)  # a PCM datagram may be large
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                log.warning("timecode input: %s", exc)
                return
            self.packet(data)

    def packet(self, data: bytes) -> None:
        if self._ltc is not None:
            self.audio(data)
            return
        try:
            label, _, _ = artnet.read_timecode(data)
        except artnet.NotArtNet as exc:
            self.controller.count("timecode_bad")
            log.warning("timecode input: %s (dropped)", exc)
            return
        self.controller.count("timecode_in")
        self.frame(smpte.to_frames(label, self.rate))

    def audio(self, data: bytes) -> None:
        """LTC audio: each frame it completes, begun `ago` seconds before now."""
        assert self._ltc is not None
        for label, ago in self._ltc.feed(data):
            if problem := smpte.check_label(label, self.rate):
                self.controller.count("timecode_bad")
                log.warning("timecode input: LTC %s (dropped)", problem)
                continue
            self.controller.count("timecode_in")
            self.frame(smpte.to_frames(label, self.rate), late=ago)

    def frame(self, count: int, late: float = 0.0) -> None:
        """The master said frame `count` `late` seconds ago (it began then)."""
        now = self.clock.monotonic()
        plan = self.controller.engine.plan
        if plan is None:
            self.state, self._last_count, self._consecutive = "waiting", count, 0
            return
        if count == self._last_count:
            return  # stopped code: not advancing (the watch sees the silence)
        advancing = self._last_count is not None and 0 < count - self._last_count <= 2
        self._consecutive = self._consecutive + 1 if advancing else 1
        self._last_count, self._last_at = count, now
        base = smpte.to_frames(plan.show.timecode.label, self.rate)
        self._code_time = smpte.seconds_of(count - base, self.rate) + late
        if self.state in ("locked", "freewheel"):
            self.state = "locked"
            self._follow(self._code_time, now)
        elif self._consecutive >= self.config.preroll_frames:
            self.state = "locked"
            self._lock(self._code_time, now)
        else:
            self.state = "prerolling"
        self._watching()

    # -- acting ----------------------------------------------------------------------
    def _at_effect(self, code_time: float, now: float) -> tuple[float, float]:
        """The instant a command sent now takes effect, and the master's time then."""
        effect = self.controller.engine.out.effect()
        return effect, code_time + (effect - now)

    def _lock(self, code_time: float, now: float) -> None:
        engine = self.controller.engine
        effect, t = self._at_effect(code_time, now)
        length = engine.plan.length if engine.plan else 0.0
        t = min(max(t, 0.0), length)
        try:
            state = engine.state
            if state == TransportState.RUNNING:
                self._follow(code_time, now)
                return
            self.controller.seek(t, by=BY)
            if state == TransportState.LOADED:
                self.controller.go(by=BY, at=effect)
            elif state == TransportState.PAUSED:
                self.controller.resume(by=BY)
            elif state == TransportState.HOLDING:
                self.controller.go(by=BY)
        except CommandError as exc:
            log.warning("chase: cannot lock: %s", exc)

    def _follow(self, code_time: float, now: float) -> None:
        engine = self.controller.engine
        if engine.state != TransportState.RUNNING:
            self._lock(code_time, now)
            return
        if abs(engine.show_time() - code_time) <= TOLERANCE * self.rate.frame:
            return
        _, t = self._at_effect(code_time, now)  # a drift or a relocation: seek there
        try:
            self.controller.seek(min(max(t, 0.0), engine.plan.length if engine.plan else 0.0),
                                 by=BY)
        except CommandError as exc:
            log.warning("chase: cannot seek: %s", exc)

    def _watching(self) -> None:
        if self._watch is None or self._watch.done():
            self._watch = asyncio.get_running_loop().create_task(self._watch_code())

    async def _watch_code(self) -> None:
        """Freewheel once the code stops advancing, lost after `freewheel_frames`."""
        frame = self.rate.frame
        while self.state in ("prerolling", "locked", "freewheel"):
            now = self.clock.monotonic()
            silent = now - self._last_at
            if self.state == "prerolling":
                if silent >= FREEWHEEL_AFTER * frame:
                    self.state, self._consecutive = "waiting", 0
                    return
                await self.clock.sleep_until(self._last_at + FREEWHEEL_AFTER * frame)
                continue
            lost_at = self._last_at + (self.config.freewheel_frames + 1) * frame
            if now >= lost_at:
                self._lose()
                return
            if silent >= FREEWHEEL_AFTER * frame:
                self.state = "freewheel"
                await self.clock.sleep_until(lost_at)
            else:
                await self.clock.sleep_until(self._last_at + FREEWHEEL_AFTER * frame)

    def _lose(self) -> None:
        self.state, self._consecutive = "lost", 0  # the last frame kept: stopped code
        engine = self.controller.engine
        try:
            if self.config.on_loss == "stop" and engine.state in (
                    TransportState.RUNNING, TransportState.HOLDING, TransportState.PAUSED):
                self.controller.stop(0.0, by=BY)
            elif engine.state == TransportState.RUNNING:
                self.controller.pause(by=BY)
        except CommandError as exc:
            log.warning("chase: on loss: %s", exc)
        self.controller.announce(f"timecode lost: the show {self.config.on_loss}s"
                                 if self.config.on_loss == "stop" else
                                 "timecode lost: the show holds", level="warning")

    def status(self) -> dict[str, Any]:
        now = self.clock.monotonic()
        code, offset = None, None
        if self._code_time is not None and self.state in ("locked", "freewheel",
                                                          "prerolling"):
            engine = self.controller.engine
            master = self._code_time + (now - self._last_at)
            plan = engine.plan
            if plan is not None:
                base = smpte.to_frames(plan.show.timecode.label, self.rate)
                code = smpte.format_label(
                    smpte.to_label(base + smpte.frame_at(master, self.rate), self.rate),
                    self.rate)
            if self.state != "prerolling" and engine.state == TransportState.RUNNING:
                offset = round((engine.show_time() - master) * 1e3, 1)
        return {"source": self.source, "fps": self.rate.name, "state": self.state,
                "code": code, "offset_ms": offset, "on_loss": self.config.on_loss}
