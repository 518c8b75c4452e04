"""One simulated device's state, driven by the OSC it receives (SPEC 3.2, ola)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, get_args

from showctl.codec import player_protocol
from showctl.codec.player_protocol import PREFIX, ScreenTransport
from showctl.model.player_status import PlayerState, PlayerStatus

LIGHTS_CUE = "/showctl/lights/cue"


@dataclass
class SimDevice:
    """What a media player or lighting desk would be doing: its position advances on the
    monotonic clock while playing."""

    id: str
    kind: str
    transport: ScreenTransport = field(default_factory=ScreenTransport)
    lights: str | None = None
    levels: dict[int, int] = field(default_factory=dict)
    show_time: float | None = None  # the last drift-clock value received
    volume: float | None = None  # audio: the last level received (dB, master included)
    rejoined: bool = False  # the last clock put it back where the show is
    commands: int = 0

    @property
    def state(self) -> str:
        return self.transport.state

    @property
    def media(self) -> str | None:
        return self.transport.media

    @property
    def position(self) -> float:
        return self.transport.position_at(time.monotonic())

    def apply(self, address: str, args: tuple[Any, ...]) -> str | None:
        """Acts on one message; None when it did, else why it was ignored. Player
        commands are checked by the protocol's own table, as the real player checks
        them, and move the protocol's own transport state machine."""
        self.commands += 1
        now = time.monotonic()
        if address.startswith(PREFIX):
            problem = player_protocol.problem(address, args)
            if problem is not None:
                return f"{problem}: ignored"
            self._player(address.removeprefix(PREFIX), args, now)
        elif address == LIGHTS_CUE and args:
            self.lights = str(args[0])
        elif address.startswith("/dmx/universe/") and args and isinstance(args[0], bytes):
            self.levels = {n + 1: v for n, v in enumerate(args[0]) if v}
        else:
            return "unknown address: ignored" if address != LIGHTS_CUE else (
                "needs 1 argument, got 0: ignored")
        return None

    def _player(self, name: str, args: tuple[Any, ...], now: float) -> None:
        screen = self.transport
        match name:
            case "load":
                screen.load(args[0], float(args[1]), now)
            case "play":
                screen.play(args[0], float(args[1]), now)
            case "pause":
                screen.pause(now)
            case "resume":
                screen.resume(now)
            case "stop" | "black":
                screen.end(name == "black", now)
            case "seek":
                screen.seek(float(args[0]), now)
            case "clock":
                self.show_time = float(args[0])
                if len(args) >= 3:  # as a real player rejoins: the media, where it must be
                    self.rejoined = screen.state != "playing" or screen.media != args[1]
                    screen.play(args[1], float(args[2]), now)
            case "volume":
                self.volume = float(args[0])

    def status(self) -> PlayerStatus:
        """What a showctl player would report (`/showctl/player/status`): the simulator's
        players are exact, so no sync error or clock offset is claimed."""
        state = self.state if self.state in get_args(PlayerState) else "idle"
        return PlayerStatus(device=self.id, kind="audio" if self.kind == "audio" else "screen",
                            state=state, media=self.media,
                            position=round(self.position, 3) if self.media else None,
                            show_time=self.show_time, volume_db=self.volume,
                            sent_at=time.time())

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "state": self.state, "media": self.media,
                "position": round(self.position, 3), "lights": self.lights,
                "levels": self.levels, "show_time": self.show_time, "volume": self.volume}
