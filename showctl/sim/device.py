"""One simulated device's state, driven by the OSC it receives (SPEC 3.2, ola)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, get_args

from showctl.model.player_status import PlayerState, PlayerStatus

NEEDS_PLAYER = {"load": 2, "play": 2, "pause": 0, "resume": 0, "stop": 0, "black": 0,
                "seek": 1, "clock": 3, "volume": 1}
NUMBER_AT = {"load": 1, "play": 1, "seek": 0, "clock": 0, "volume": 0}
"""Which argument of a player command is a position or time (a number, not NaN)."""
NEEDS = {**{f"/showctl/player/{name}": n for name, n in NEEDS_PLAYER.items()},
         "/showctl/lights/cue": 1}
"""How many arguments each address needs at least (SPEC 3.2)."""


@dataclass
class SimDevice:
    """What a media player or lighting desk would be doing: its position advances on the
    monotonic clock while playing."""

    id: str
    kind: str
    state: str = "idle"
    media: str | None = None
    lights: str | None = None
    levels: dict[int, int] = field(default_factory=dict)
    show_time: float | None = None  # the last drift-clock value received
    volume: float | None = None  # audio: the last level received (dB, master included)
    rejoined: bool = False  # the last clock put it back where the show is
    commands: int = 0
    _position: float = 0.0
    _since: float = field(default_factory=time.monotonic)

    @property
    def position(self) -> float:
        moving = time.monotonic() - self._since if self.state == "playing" else 0.0
        return self._position + moving

    def apply(self, address: str, args: tuple[Any, ...]) -> str | None:
        """Acts on one message; None when it did, else why it was ignored."""
        self.commands += 1
        now = time.monotonic()
        position = self.position
        name = address.rsplit("/", 1)[-1]
        needs = NEEDS.get(address, 0)
        if len(args) < needs:
            return f"needs {needs} argument{'s' * (needs > 1)}, got {len(args)}: ignored"
        number = NUMBER_AT.get(name) if address.startswith("/showctl/player/") else None
        if number is not None and (isinstance(args[number], bool | str | bytes)
                                   or not isinstance(args[number], int | float)
                                   or args[number] != args[number]):
            return f"argument {number + 1} must be a number, got {args[number]!r}: ignored"
        if address.startswith("/showctl/player/") and name in NEEDS_PLAYER:
            if name in ("load", "play"):
                self.media, position = str(args[0]), float(args[1])
                self.state = "loaded" if name == "load" else "playing"
            elif name == "pause" and self.state == "playing":
                self.state = "paused"
            elif name == "resume" and self.state in ("paused", "loaded"):
                self.state = "playing"
            elif name in ("stop", "black"):
                self.state, self.media, position = ("stopped" if name == "stop" else "black",
                                                    None, 0.0)
            elif name == "seek":
                position = float(args[0])
            elif name == "clock":
                self.show_time = float(args[0])
                media, must_be = args[1], args[2]
                if isinstance(media, str) and isinstance(must_be, int | float):
                    # as a real player rejoins: the media it must play, where it must be
                    self.rejoined = self.state != "playing" or self.media != media
                    self.media, self.state, position = media, "playing", float(must_be)
            elif name == "volume":
                self.volume = float(args[0])
        elif address == "/showctl/lights/cue":
            self.lights = str(args[0])
        elif address.startswith("/dmx/universe/") and args and isinstance(args[0], bytes):
            self.levels = {n + 1: v for n, v in enumerate(args[0]) if v}
        else:
            return "unknown address: ignored"
        self._position, self._since = position, now
        return None

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
