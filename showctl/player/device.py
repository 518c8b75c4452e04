"""One device of the player: the `showctl` profile's OSC (SPEC 3.2) turned into mpv
commands at their bundle's instant, drift correction, fades, and the status it reports.

Every command acts at its timetag; what must happen *at* the instant is one line written
to mpv's socket (unpause, pause), everything slow (opening a file, seeking) is done ahead
or "cued": mpv is paused a little ahead of where the media must be and released at the
instant that position is due, so it starts on the frame whatever the open cost.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from showctl.codec import player_protocol
from showctl.codec.osc import Message, PacketError, decode
from showctl.codec.player_protocol import PREFIX
from showctl.model import Device
from showctl.model.player_status import OFFSET_WINDOW, PlayerState, PlayerStatus
from showctl.model.players import PlayerPolicy
from showctl.model.types import SILENT_DB
from showctl.outputs.profiles import profile_for
from showctl.player import patterns, timing
from showctl.player.ipc import MpvError, MpvIpc
from showctl.player.media import BadMedia, media_path, missing_media
from showctl.player.sync import Anchor, ClockOffset, Drift

log = logging.getLogger(__name__)

CUE_MARGIN = 0.25
"""Seconds ahead a cued start is aimed at first; doubled (up to MAX_MARGIN) if too short."""
MAX_MARGIN = 1.5
FADE_TICK = {"screen": 0.02, "audio": 0.01}
"""Fade steps: 50 Hz for pictures (a frame), 100 Hz for sound (above mpv's ~21 ms audio
block at 48 kHz, so every block gets its own level: no zipper steps)."""
MAX_DB = 12.0
"""The loudest a cue may ask (SPEC 1.3); audio mpvs run with --volume-max=200 for it."""
END_SLACK = 0.1
"""Seconds before a media's end where a position counts as its end (the last frame)."""
MAX_POSITION = 86_400.0
"""No media is a day long: a position beyond is refused, not handed to mpv (3e38 froze it)."""


def db_to_mpv(db: float) -> float:
    """mpv's `volume` is a percentage on a cubic curve (gain = (v/100)^3)."""
    if db <= SILENT_DB:
        return 0.0
    return 100.0 * 10 ** (min(db, MAX_DB) / 60.0)


class DevicePlayer:
    def __init__(self, device: Device, media_root: Path, needed: list[str],
                 send_status: Callable[[PlayerStatus], None],
                 policy: PlayerPolicy | None = None) -> None:
        self.device = device
        self.policy = policy or PlayerPolicy()
        self.kind = "audio" if device.kind == "audio" else "screen"
        self.lead = profile_for(device).lead  # how early the controller sends its bundles
        self.media_root = media_root
        self.needed = needed
        self.send_status = send_status
        self.ipc: MpvIpc | None = None
        self.state: PlayerState = "idle"
        self.media: str | None = None
        self.opened: Path | None = None  # the file mpv has open
        self.cued_at: float | None = None  # the position mpv is paused at (load, pause)
        self.anchor: Anchor | None = None
        self.drift = Drift(self.kind)
        self.offset = ClockOffset(OFFSET_WINDOW)
        self.speed = 1.0
        self.position: float | None = None
        self.duration: float | None = None
        self.fps: float | None = None  # container-fps of the open file (None: sound only)
        self.show_time: float | None = None
        self.volume_db = 0.0
        self.frames = {"frame-drop-count": 0, "decoder-frame-drop-count": 0,
                       "vo-delayed-frame-count": 0}
        self.late = 0
        self.seeks = 0
        self.errors = 0
        self.epoch = 0  # the newest controller term seen in a clock (docs/standby.md)
        self.stale_clocks = 0  # clocks refused: from an older epoch than `epoch`
        self.restarts = 0
        self.refused = 0  # commands refused or clamped (status `refused`)
        self.heard: float | None = None  # monotonic: the controller's last packet
        self.failsafe: str | None = None  # why the player went dark on its own
        self.restarting = False  # mpv died; a new one is on its way
        self._cue: asyncio.Task[None] | None = None
        self._fade: asyncio.Task[None] | None = None
        self._volume: asyncio.Task[None] | None = None
        self._timed: set[asyncio.Task[None]] = set()
        self._restarted = asyncio.Event()
        self._failed = False
        self._missing_logged: str | None = None

    # -- mpv -----------------------------------------------------------------------------
    def new_ipc(self) -> MpvIpc:
        return MpvIpc(on_property=self._on_property, on_event=self._on_event)

    async def mpv_ready(self, ipc: MpvIpc) -> None:
        """After each (re)start of mpv: a fresh, idle, black player; the next `clock`
        brings it back into the show (rejoin)."""
        if self.ipc is not None:
            self.restarts += 1
        self.restarting = False
        media, cued_at = self.media, self.cued_at
        pending = self.state == "loaded" and media is not None and cued_at is not None
        self.ipc = ipc
        self._cancel(self._cue, self._fade)
        self.state, self.media, self.anchor, self.cued_at = "idle", None, None, None
        self.speed, self.position, self.opened = 1.0, None, None
        self.drift.reset()
        for name in ("time-pos", "duration", "container-fps", *self.frames):
            await ipc.observe(name)
        if self.kind == "audio":
            await ipc.command("set_property", "volume", db_to_mpv(self.volume_db))
        if pending and media is not None and cued_at is not None:
            with contextlib.suppress(BadMedia):  # a load that came before mpv was up
                self._do_load(time.time(), media, cued_at)

    def mpv_gone(self) -> None:
        """mpv died: `restarting` in the status until the new one is ready."""
        self.restarting = True

    def _on_property(self, name: str, value: Any, at: float) -> None:
        if name == "time-pos":
            self.position = value if isinstance(value, int | float) else None
            if self.position is not None:
                self._measure(self.position, at)
        elif name == "duration":
            self.duration = value if isinstance(value, int | float) else None
        elif name == "container-fps":
            self.fps = value if isinstance(value, int | float) and value > 0 else None
        elif name in self.frames and isinstance(value, int):
            self.frames[name] = value

    def _on_event(self, name: str, event: dict[str, Any]) -> None:
        if name == "playback-restart":
            self._restarted.set()
        elif name == "end-file" and event.get("reason") == "error":
            self.errors += 1
            self.opened, self._failed = None, True
            self._restarted.set()
            log.error("%s: mpv could not play %s (%s)", self.device.id, self.media,
                      event.get("file_error", "error"))

    # -- input ---------------------------------------------------------------------------
    def received(self, data: bytes, arrival: float) -> None:
        """One packet from the controller (`arrival`: this PC's wall clock)."""
        try:
            messages = decode(data)
        except PacketError as exc:
            self.errors += 1
            log.warning("%s: %s", self.device.id, exc)
            return
        self.heard = time.monotonic()
        groups: dict[float | None, list[Message]] = {}
        for message in messages:
            if not self._valid(message):
                continue
            if message.address == PREFIX + "clock":
                self._clock(message, arrival)  # a line, not an instant: used on arrival
                continue
            groups.setdefault(message.timetag, []).append(message)
        for timetag, group in groups.items():
            if timetag is None or timetag <= arrival:
                if timetag is not None and arrival - timetag > timing.LATE:
                    self.late += 1
                    if self.late in (1, 10) or self.late % 100 == 0:  # counted, not flooded
                        log.warning("%s: bundle %.1f ms late: acting now (%d late so far; "
                                    "a device latency gives bundles time to arrive)",
                                    self.device.id, (arrival - timetag) * 1e3, self.late)
                self._act(group, arrival if timetag is None else timetag)
            elif self._admit(timetag, arrival):
                task = asyncio.get_running_loop().create_task(
                    self._act_at(timetag, group), name=f"{self.device.id}-at")
                self._timed.add(task)
                task.add_done_callback(self._timed.discard)

    def _admit(self, timetag: float, arrival: float) -> bool:
        """A bundle for later is kept only within the horizon and the cap: nobody fills
        this PC's memory with bundles timed a day ahead."""
        policy = self.policy
        if timetag - arrival > policy.horizon:
            why = f"timed {timetag - arrival:.0f} s ahead (horizon {policy.horizon:g} s)"
        elif len(self._timed) >= policy.max_pending:
            why = f"{len(self._timed)} bundles already wait (max_pending)"
        else:
            return True
        self.refused += 1
        log.warning("%s: bundle refused: %s", self.device.id, why)
        return False

    def _position(self, what: str, position: float, media: str | None) -> float | None:
        """A position within [0, the media's end]: negative is the start (mpv would
        count it from the end), past the end the last frame (for the media open now),
        beyond any media refused (None). Each clamp or refusal is counted and said."""
        end = self.duration if media is not None and media == self.media else None
        if position > MAX_POSITION:
            self.refused += 1
            log.warning("%s: %s %g refused: beyond the end of any media", self.device.id,
                        what, position)
            return None
        if position < 0:
            self.refused += 1
            log.warning("%s: %s %g is before the start: from 0", self.device.id, what,
                        position)
            return 0.0
        if end is not None and position > end:
            self.refused += 1
            log.warning("%s: %s %g is past the end of %s (%.3f s): its last frame",
                        self.device.id, what, position, media, end)
            return max(0.0, end - END_SLACK)
        return float(position)

    def watch_controller(self, now: float) -> None:
        """Once a second: a player that plays and has heard nothing from the controller
        for `failsafe_after` goes dark on its own (fade, then black or the safe image),
        says so, and rejoins with the controller's next clock."""
        grace = self.policy.failsafe_after
        # only while playing: a pause or a loaded show waiting for GO hears nothing for
        # as long as the operator likes (the controller sends clocks while the show runs
        # and through holds, not while paused or loaded)
        if (self.failsafe is not None or self.state != "playing" or self.heard is None
                or now - self.heard < grace):
            return
        self.failsafe = f"no word from the controller for {grace:g} s"
        log.warning("%s: %s: fail-safe, fading to %s; back with the controller's next "
                    "clock", self.device.id, self.failsafe,
                    self.policy.safe_image or "black")
        self._end("black", self.policy.failsafe_fade, safe=True)

    def _valid(self, message: Message) -> bool:
        """The protocol's own table says what each command takes (player_protocol)."""
        problem = player_protocol.problem(message.address, message.args)
        if problem:
            self.errors += 1
            log.warning("%s: %s %s: %s: ignored", self.device.id, message.address,
                        message.args, problem)
            return False
        return True

    async def _act_at(self, timetag: float, group: list[Message]) -> None:
        await timing.arrive_at(timing.monotonic_deadline(timetag))
        self._act(group, timetag)

    def _act(self, group: list[Message], wall: float) -> None:
        """Runs one bundle's commands at its instant `wall` (now, or just passed)."""
        for message in group:
            name = message.address.removeprefix(PREFIX)
            try:
                getattr(self, f"_do_{name}")(wall, *message.args)
            except BadMedia as exc:
                self.errors += 1
                log.warning("%s: %s: %s ignored", self.device.id, exc, message.address)

    # -- commands (at their instant) -----------------------------------------------------
    def _do_load(self, wall: float, media: str, position: float) -> None:
        clamped = self._position("load", position, media)
        if clamped is None:
            return
        position = clamped
        path = self._path(media)
        self.failsafe = None
        self._cancel(self._cue, self._fade)
        self.anchor, self.state, self.media = None, "loaded", media
        self.cued_at = float(position)
        self._cue = self._task(self._open(path, media, self.cued_at, None), "load")

    def _do_play(self, wall: float, media: str, position: float) -> None:
        clamped = self._position("play", position, media)
        if clamped is None:
            return
        position = clamped
        self.failsafe = None
        anchor = Anchor(media, wall, float(position))
        ready = self._cue is None or self._cue.done()
        if (self.state == "loaded" and self.media == media and ready and self.cued_at
                is not None and abs(self.cued_at - position) < 0.0005 and self.ipc):
            self._release(anchor)  # the preloaded case: the start costs one line
            return
        path = self._path(media)
        self._cancel(self._cue, self._fade)
        self._cue = self._task(self._open(path, media, None, anchor), "play")

    def _do_pause(self, wall: float) -> None:
        if self.state != "playing" or self.ipc is None:
            return
        self._cancel(self._cue)
        self.ipc.send("set_property", "pause", True)
        self.state = "paused"
        self.cued_at = self.anchor.expected(wall) if self.anchor else self.position
        self.anchor = None
        self._set_speed(1.0)

    def _do_resume(self, wall: float) -> None:
        if self.state not in ("paused", "loaded") or self.ipc is None or self.media is None:
            return
        if self._cue is not None and not self._cue.done():
            return  # still opening: the next clock releases it at the right frame
        position = self.cued_at if self.cued_at is not None else (self.position or 0.0)
        self._release(Anchor(self.media, wall, position), seeked=self.state == "loaded")

    def _do_seek(self, wall: float, position: float) -> None:
        if self.media is None or self.ipc is None:
            return
        clamped = self._position("seek", position, self.media)
        if clamped is None:
            return
        position = clamped
        path = self._path(self.media)
        if self.state == "playing":
            self._cancel(self._cue)
            anchor = Anchor(self.media, wall, position)
            self._cue = self._task(self._open(path, self.media, None, anchor), "seek")
        elif self.state in ("paused", "loaded"):
            self._cancel(self._cue)
            self.cued_at = float(position)
            self._cue = self._task(self._open(path, self.media, self.cued_at, None), "seek")

    def _do_stop(self, wall: float, fade: float = 0.0) -> None:
        self.failsafe = None
        self._end("stopped", fade)

    def _do_black(self, wall: float, fade: float = 0.0) -> None:
        self.failsafe = None
        self._end("black", fade)

    def _do_pattern(self, wall: float, kind: str) -> None:
        """A test pattern drawn by the player (showctl/player/patterns.py), no media."""
        if kind not in patterns.KINDS:
            raise BadMedia(f"unknown pattern {kind!r} (patterns: {', '.join(patterns.KINDS)})")
        self._cancel(self._cue, self._fade)
        self.state, self.media, self.anchor, self.cued_at = "idle", f"pattern:{kind}", None, None
        self.opened = None
        self._cue = self._task(self._show_pattern(kind), "pattern")

    async def _show_pattern(self, kind: str) -> None:
        ipc = self.ipc
        if ipc is None:
            return
        where = self.media_root / ".showctl-media" / "patterns"
        url = await asyncio.to_thread(patterns.source, kind, self.device, where)
        await self._unfade(ipc)
        self._set_speed(1.0)
        ipc.send("loadfile", url, "replace", "pause=yes")

    def _do_volume(self, wall: float, db: float, fade: float) -> None:
        self._cancel(self._volume)
        if fade <= 0:  # at once, before the bundle's next command (silence, then play)
            self.volume_db = min(MAX_DB, float(db))
            if self.ipc is not None:
                self.ipc.send("set_property", "volume", db_to_mpv(self.volume_db))
            return
        self._volume = self._task(self._ramp_volume(min(MAX_DB, float(db)), float(fade)),
                                  "volume")

    def _clock(self, message: Message, arrival: float) -> None:
        epoch = int(message.args[3]) if len(message.args) == 4 else 0
        if epoch < self.epoch:  # a controller that is no longer the active one
            self.stale_clocks += 1
            if self.stale_clocks in (1, 10) or self.stale_clocks % 100 == 0:
                log.warning("%s: clock of epoch %d refused: following epoch %d (%d refused)",
                            self.device.id, epoch, self.epoch, self.stale_clocks)
            return
        if epoch > self.epoch:
            if self.epoch:
                log.info("%s: following the controller of epoch %d", self.device.id, epoch)
            self.epoch = epoch
        show_time, media, position = (*message.args, "", 0.0)[:3]
        timetag = message.timetag if message.timetag is not None else arrival
        self.offset.add(arrival, timetag, self.lead)
        self.show_time = float(show_time)
        if not media or self.ipc is None:
            return
        clamped = self._position("clock", position, media)
        if clamped is None:
            return
        anchor = Anchor(media, timetag, clamped)
        if self._fade is not None and not self._fade.done():
            return
        if self._cue is not None and not self._cue.done():
            return
        if self.state in ("black", "stopped") and self.failsafe is None:
            return  # told to go dark: only a new load or play brings it back
        if self.failsafe is not None:
            log.warning("%s: the controller's clocks are back: rejoining (fail-safe over)",
                        self.device.id)
            self.failsafe = None
        elif self.state == "playing" and self.media == media and not self._held_at_end(
                anchor.expected(arrival)):
            old = self.anchor
            self.anchor = anchor
            if old is not None and abs(old.expected(arrival) - anchor.expected(arrival)) > 0.02:
                self.drift.reset()  # a new line (the controller seeked): measure afresh
            return
        try:
            path = self._path(media)
        except BadMedia as exc:
            self.errors += 1
            if "still missing" not in str(exc):
                log.warning("%s: clock: %s", self.device.id, exc)
            return
        log.info("%s: rejoining %s at %.3f from the controller's clock", self.device.id,
                 media, anchor.expected(arrival))
        self._cue = self._task(self._open(path, media, None, anchor), "rejoin")

    def _held_at_end(self, expected: float) -> bool:
        """mpv holds the media's last frame while the clock wants it well before: no
        frame changes there, so drift correction never sees it; it must be cued again."""
        end, shown = self.duration, self.position
        return (end is not None and shown is not None and shown >= end - END_SLACK
                and expected < end - 5 * END_SLACK)

    # -- doing it ------------------------------------------------------------------------
    def _path(self, media: str) -> Path:
        """The media's file; BadMedia (logged once per name) when it is not there."""
        path = media_path(self.media_root, media)
        if not path.is_file():
            if self._missing_logged == media:
                raise BadMedia(f"media {media!r} still missing")
            self._missing_logged = media
            raise BadMedia(f"media {media!r} is not under {self.media_root}")
        return path

    def _release(self, anchor: Anchor, *, seeked: bool = True) -> None:
        """Unpauses so that the frames follow `anchor`'s line.

        Measured on mpv 0.35: after a seek (or a load) mpv counts the paused frame as
        already shown, and on unpause shows the next one at once and runs on from there;
        so a cued file is released when that next frame is due. After a pause its clock
        simply continues from the pause, so a resume is released at its instant. Sound
        (no frames) is released at its instant."""
        assert self.ipc is not None
        self.state, self.media, self.anchor, self.cued_at = "playing", anchor.media, anchor, None
        self.drift.reset()
        due = anchor.wall
        if seeked and self.kind == "screen" and self.fps and self.position is not None:
            due = anchor.wall + (self.position + 1.0 / self.fps - anchor.position)
        if due - time.time() > timing.SPIN:
            self._cue = self._task(self._unpause_at(due), "release")
        else:
            self.ipc.send("set_property", "pause", False)

    async def _unpause_at(self, due: float) -> None:
        await timing.arrive_at(timing.monotonic_deadline(due))
        if self.ipc is not None:
            self.ipc.send("set_property", "pause", False)

    async def _open(self, path: Path, media: str, paused_at: float | None,
                    anchor: Anchor | None) -> None:
        """Opens (or seeks within) `path`, paused: at `paused_at`, or, given an anchor, a
        margin ahead of it, then releases it at the instant the anchor reaches there."""
        ipc = self.ipc
        if ipc is None:
            return
        await self._unfade(ipc)
        margin = CUE_MARGIN
        while True:
            release = time.time() + margin
            target = paused_at if anchor is None else anchor.expected(release)
            assert target is not None
            self._restarted.clear()
            self._failed = False
            ipc.send("set_property", "pause", True)
            self._set_speed(1.0)
            if self.opened == path:
                ipc.send("seek", target, "absolute+exact")
            else:
                ipc.send("loadfile", str(path), "replace", f"start={target:.6f},pause=yes")
                self.opened, self.duration = path, None
            try:
                await asyncio.wait_for(self._restarted.wait(), 10.0)
            except TimeoutError:
                self.errors += 1
                self.opened = None
                log.error("%s: mpv did not open %s within 10 s", self.device.id, media)
                return
            if self._failed:
                self.state, self.media, self.anchor = "idle", None, None
                return
            self.media = media
            self._past_end(media, target)
            if anchor is None:
                return
            self.seeks += 1
            with contextlib.suppress(MpvError):
                shown = await ipc.get("time-pos")
                self.position = shown if isinstance(shown, int | float) else self.position
            if time.time() < release - timing.SPIN or margin >= MAX_MARGIN:
                await timing.arrive_at(timing.monotonic_deadline(release - timing.SPIN))
                self._release(anchor)
                return
            margin = min(MAX_MARGIN, margin * 2)  # opened too slowly: aim further ahead

    def _past_end(self, media: str, target: float) -> None:
        """A media opened at a position past its end (its length was not known when the
        command came): mpv holds the last frame; counted and said, as a clamp."""
        end = self.duration
        if end is not None and target > end + END_SLACK:
            self.refused += 1
            log.warning("%s: position %g is past the end of %s (%.3f s): its last frame",
                        self.device.id, target, media, end)

    def _measure(self, position: float, at: float) -> None:
        """Each new frame: its deviation from the anchor, and a correction when due."""
        anchor, ipc = self.anchor, self.ipc
        if self.state != "playing" or anchor is None or ipc is None:
            return
        if self._cue is not None and not self._cue.done():
            return
        expected = anchor.expected(at)
        if self.duration is not None and expected > self.duration - 0.1:
            return  # the end of the media: it holds its last frame
        self.drift.add(position - expected)
        decision = self.drift.decide(self.speed)
        if decision == "seek" and self.opened is not None:
            path = self.opened
            log.info("%s: %.0f ms off: exact seek", self.device.id,
                     (self.drift.error or 0.0) * 1e3)
            self._cue = self._task(self._open(path, anchor.media, None, anchor), "resync")
        elif isinstance(decision, float):
            self._set_speed(decision)

    def _set_speed(self, speed: float) -> None:
        if self.ipc is not None and speed != self.speed:
            self.ipc.send("set_property", "speed", speed)
        self.speed = speed

    def _end(self, state: PlayerState, fade: float, *, safe: bool = False) -> None:
        self._cancel(self._cue, self._fade)
        self._fade = self._task(self._fade_out(state, max(0.0, fade), safe=safe), state)

    async def _fade_out(self, state: PlayerState, fade: float, *, safe: bool = False) -> None:
        """Picture (and sound on audio devices) down over `fade`, then unload: mpv idles
        on its black background (`safe`: the fail-safe's, then the venue's safe image)."""
        ipc = self.ipc
        if ipc is None:
            return
        tick = FADE_TICK[self.kind]
        start = time.monotonic()
        level = db_to_mpv(self.volume_db)
        while (done := (time.monotonic() - start) / fade if fade > 0 else 1.0) < 1.0:
            if self.kind == "screen":
                ipc.send("set_property", "brightness", round(-100 * done))  # mpv: whole steps
            else:
                ipc.send("set_property", "volume", db_to_mpv(
                    self.volume_db + (SILENT_DB - self.volume_db) * done))
            await asyncio.sleep(tick)
        if self.kind == "screen":
            ipc.send("set_property", "brightness", -100)
        else:
            ipc.send("set_property", "volume", 0)
        ipc.send("stop")
        self._set_speed(1.0)
        self.state, self.media, self.anchor, self.cued_at = state, None, None, None
        self.opened = None
        with contextlib.suppress(MpvError):
            await ipc.command("set_property", "pause", True)
            if self.kind == "screen":
                await ipc.command("set_property", "brightness", 0)
            else:
                await ipc.command("set_property", "volume", level)
        image = self.policy.safe_image if safe and self.kind == "screen" else None
        if image is not None:
            try:
                path = self._path(image)
            except BadMedia as exc:
                log.warning("%s: safe image: %s: black instead", self.device.id, exc)
                return
            ipc.send("loadfile", str(path), "replace", "pause=yes")
            self.opened = path

    async def _unfade(self, ipc: MpvIpc) -> None:
        """A load after a fade that was cut short: the picture comes back up."""
        with contextlib.suppress(MpvError):
            if self.kind == "screen":
                await ipc.command("set_property", "brightness", 0)

    async def _ramp_volume(self, db: float, fade: float) -> None:
        start_db, start = self.volume_db, time.monotonic()
        tick = FADE_TICK["audio"]
        while (done := (time.monotonic() - start) / fade if fade > 0 else 1.0) < 1.0:
            self.volume_db = start_db + (db - start_db) * done
            if self.ipc is not None:
                self.ipc.send("set_property", "volume", db_to_mpv(self.volume_db))
            await asyncio.sleep(tick)
        self.volume_db = db
        if self.ipc is not None:
            self.ipc.send("set_property", "volume", db_to_mpv(db))

    def _task(self, coro: Any, what: str) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(coro, name=f"{self.device.id}-{what}")
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            if isinstance(exc, MpvError):
                log.warning("%s: %s: %s", self.device.id, task.get_name(), exc)
            else:
                log.error("%s: %s failed", self.device.id, task.get_name(), exc_info=exc)

    @staticmethod
    def _cancel(*tasks: asyncio.Task[None] | None) -> None:
        for task in tasks:
            if task is not None and task is not asyncio.current_task():
                task.cancel()

    async def close(self) -> None:
        tasks = [t for t in (self._cue, self._fade, self._volume, *self._timed) if t]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # -- status --------------------------------------------------------------------------
    def status(self) -> PlayerStatus:
        offset = self.offset.offset
        error = self.drift.error if self.state == "playing" and self.anchor else None
        return PlayerStatus(
            device=self.device.id, kind=self.kind,
            state="restarting" if self.restarting else self.state, media=self.media,
            position=None if self.position is None else round(self.position, 4),
            speed=self.speed, show_time=self.show_time,
            sync_error_ms=None if error is None else round(error * 1e3, 2),
            clock_offset_ms=None if offset is None else round(offset * 1e3, 3),
            dropped_frames=self.frames["frame-drop-count"],
            decoder_dropped_frames=self.frames["decoder-frame-drop-count"],
            delayed_frames=self.frames["vo-delayed-frame-count"],
            volume_db=round(self.volume_db, 2) if self.kind == "audio" else None,
            late_commands=self.late, seeks=self.seeks, mpv_restarts=self.restarts,
            refused=self.refused, failsafe=self.failsafe,
            missing=tuple(missing_media(self.media_root, self.needed)), sent_at=time.time())
