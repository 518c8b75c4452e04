"""What the controller knows of each device: what it was last told to do (so status can
say what each screen plays, and where), whether it is alive (its own answers where the
product can answer, heartbeats otherwise), and what it last said about itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from showctl.codec.player_protocol import ScreenTransport
from showctl.core.mix import combined
from showctl.model import Venue
from showctl.outputs.actions import (
    Action,
    Black,
    Lights,
    Load,
    Pause,
    Play,
    Resume,
    Seek,
    Stop,
    Volume,
)

Liveness = Literal["online", "offline", "unknown"]


@dataclass
class Output(ScreenTransport):
    """A screen's commanded state: the protocol's one transport state machine
    (`ScreenTransport`, which the simulator runs too), driven by the actions the engine
    sends; the position advances on the monotonic clock while playing (a hold stops the
    timeline, not the players)."""

    level: float = 0.0  # audio: the cue level (dB) it was last told, master not included
    level_until: float = 0.0  # audio: when the fade to `level` ends (monotonic)

    def apply(self, action: Action, now: float) -> None:
        match action:
            case Volume():
                self.level, self.level_until = float(action.db), now + float(action.fade)
            case Load():
                self.load(action.media, float(action.position), now)
            case Play():
                self.play(action.media, float(action.position), now)
            case Pause():
                self.pause(now)
            case Resume():
                self.resume(now)
            case Seek():
                self.seek(float(action.position), now)
            case Stop() | Black():
                self.end(isinstance(action, Black), now)

    def as_json(self, now: float) -> dict[str, Any]:
        return {"state": self.state, "media": self.media,
                "position": round(self.position_at(now), 3)}


class DeviceBook:
    def __init__(self, venue: Venue) -> None:
        self.venue = venue
        self.outputs: dict[str, Output] = {d.id: Output() for d in venue.devices}
        self.lights: dict[str, dict[str, Any]] = {}
        self.last_seen: dict[str, float] = {}  # wall time, for people to read
        self.heard: dict[str, float] = {}  # monotonic: liveness never follows a clock step
        self.online: dict[str, bool] = {d.id: False for d in venue.devices}
        # an offline device: since when (wall; absent = since the controller started) and
        # why, so the operator can tell a dead player from a cable from a typo
        self.offline_since: dict[str, float] = {}
        self.offline_reason: dict[str, str] = {}
        self.answering: set[str] = set()  # devices online by their own answers
        # devices that cannot say they are there (SPEC 7.1: `unknown` until heard), why
        self.silent: dict[str, str] = {}
        # devices asked less often than the venue's timeout (PJLink polls): their own
        self.timeouts: dict[str, float] = {}
        self.said: dict[str, dict[str, Any]] = {}  # their latest feedback, per device
        self.confirmed: dict[str, dict[str, Any]] = {}  # players: their latest status
        self.mismatch: dict[str, str | None] = {}  # players: why not where they should be

    def apply(self, actions: Sequence[Action], now: float) -> None:
        for action in actions:
            if isinstance(action, Lights):
                self.lights[action.device] = {"cue": action.cue, "fade": action.fade}
            elif action.device in self.outputs:
                self.outputs[action.device].apply(action, now)

    def seen(self, device_id: str, wall: float, now: float) -> bool:
        """Record a heartbeat (at wall and monotonic `now`); True when the device just
        came online."""
        self.last_seen[device_id], self.heard[device_id] = wall, now
        was = self.online.get(device_id, False)
        self.online[device_id] = True
        self.offline_since.pop(device_id, None)
        self.offline_reason.pop(device_id, None)
        return not was

    def went_offline(self, device_id: str, wall: float, reason: str) -> None:
        """Marks a device offline with the reason the operator is shown."""
        self.online[device_id] = False
        self.offline_since[device_id] = wall
        self.offline_reason[device_id] = reason

    def expire(self, now: float, wall: float, timeout: float) -> list[str]:
        """Devices silent for longer than `timeout` monotonic seconds (`now`): marked
        offline (since `wall`), returned."""
        gone = [d for d, on in self.online.items()
                if on and now - self.heard.get(d, float("-inf")) > self._timeout(d, timeout)]
        for device in gone:
            said = "no answer" if device in self.answering else "no heartbeat"
            self.went_offline(device, wall, f"{said} for {self._timeout(device, timeout):g} s")
        return gone

    def _timeout(self, device_id: str, timeout: float) -> float:
        return max(timeout, self.timeouts.get(device_id, 0.0))

    def next_expiry(self, now: float, timeout: float) -> float | None:
        """Seconds until the first online device could be silent for longer than
        `timeout` monotonic seconds (None: none online): the liveness watch sleeps that."""
        due = [self.heard.get(d, now) + self._timeout(d, timeout) - now
               for d, on in self.online.items() if on]
        return max(0.0, min(due)) if due else None

    def playing_screens(self, after: Sequence[Action] = ()) -> list[str]:
        """Players (screens and audio devices) told to play: what pause pauses; with
        `after`, once those actions (already on their way) act too."""
        state = {d.id: self.outputs[d.id].state for d in self.venue.players}
        for action in after:
            if action.device in state:
                probe = Output(state=state[action.device])
                probe.apply(action, 0.0)
                state[action.device] = probe.state
        return [d for d, s in state.items() if s == "playing"]

    def paused_screens(self) -> list[str]:
        return [d.id for d in self.venue.players if self.outputs[d.id].state == "paused"]

    def _offline_json(self, device_id: str) -> dict[str, Any]:
        """`offline_since` (wall, None: since the controller started) and `offline_reason`,
        both None while the device is online or its liveness unknown (`liveness_note`
        says why it is)."""
        liveness = self.liveness(device_id)
        note = self.silent.get(device_id) if liveness == "unknown" else None
        if liveness != "offline":
            return {"offline_since": None, "offline_reason": None, "liveness_note": note}
        return {"offline_since": self.offline_since.get(device_id),
                "offline_reason": self.offline_reason.get(
                    device_id, "never answered since the controller started"
                    if device_id in self.answering else
                    "never heard from: no heartbeat since the controller started"),
                "liveness_note": None}

    def liveness(self, device_id: str) -> Liveness:
        """`online` (heard within the timeout), `offline` (it should be heard: it answers,
        sends heartbeats, was heard before, or cannot be reached, and is silent) or
        `unknown` (it cannot say it is there over what it is configured with)."""
        if self.online.get(device_id, False):
            return "online"
        if (device_id in self.silent and device_id not in self.last_seen
                and device_id not in self.offline_reason):
            return "unknown"
        return "offline"

    def offline_of(self, devices: list[str] | tuple[str, ...]) -> list[str]:
        """Which of `devices` are offline now (an `unknown` one is not missing)."""
        return [d for d in devices if self.liveness(d) == "offline"]

    def volume_actions(self, fade: float, now: float) -> list[Action]:
        """Each audio device's cue level again, to go out with a new master: over the
        master's fade, or the rest of a cue's fade still running if that is longer."""
        return [Volume(d.id, self.outputs[d.id].level,
                       max(fade, round(self.outputs[d.id].level_until - now, 6)))
                for d in self.venue.audio]

    def as_json(self, now: float, master: float = 0.0) -> list[dict[str, Any]]:
        out = []
        for d in self.venue.devices:
            output = self.outputs[d.id].as_json(now)
            if d.kind == "audio":
                output["volume"] = combined(self.outputs[d.id].level, master)
            out.append({"id": d.id, "kind": d.kind, "index": d.index, "angle": d.angle,
                        "online": self.online.get(d.id, False),
                        "last_seen": self.last_seen.get(d.id), **self._offline_json(d.id),
                        "liveness": self.liveness(d.id),
                        "liveness_by": "answers" if d.id in self.answering else "heartbeat",
                        "said": self.said.get(d.id, {}),
                        "output": output, "confirmed": self.confirmed.get(d.id),
                        "mismatch": self.mismatch.get(d.id)})
        return out
