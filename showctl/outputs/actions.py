"""Device actions: the vocabulary between the core (which plans them) and the profiles
(which turn them into one product's OSC). Here, below both, so neither imports the other.

One frozen class per kind, with named fields: a profile reads `action.media`, not the
first of some arguments. `kind` (a class constant) names it in profiles' `kinds`, cue
sheets and logs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Literal

from showctl.codec.osc import Arg

ActionKind = Literal["load", "play", "pause", "resume", "stop", "black", "seek", "clock",
                     "lights", "levels", "dmx", "volume", "osc", "pattern"]


@dataclass(frozen=True, slots=True)
class _Action:
    device: str
    kind: ClassVar[ActionKind]


@dataclass(frozen=True, slots=True)
class Load(_Action):
    """Cue `media` paused at `position` seconds, ready to start on the next frame."""

    media: str
    position: float
    kind: ClassVar[Literal["load"]] = "load"


@dataclass(frozen=True, slots=True)
class Play(_Action):
    """Play `media` from `position` seconds."""

    media: str
    position: float
    kind: ClassVar[Literal["play"]] = "play"


@dataclass(frozen=True, slots=True)
class Pause(_Action):
    kind: ClassVar[Literal["pause"]] = "pause"


@dataclass(frozen=True, slots=True)
class Resume(_Action):
    kind: ClassVar[Literal["resume"]] = "resume"


@dataclass(frozen=True, slots=True)
class Stop(_Action):
    """Stop the player, fading out over `fade` seconds."""

    fade: float
    kind: ClassVar[Literal["stop"]] = "stop"


@dataclass(frozen=True, slots=True)
class Black(_Action):
    """Fade the picture to black over `fade` seconds."""

    fade: float
    kind: ClassVar[Literal["black"]] = "black"


@dataclass(frozen=True, slots=True)
class Seek(_Action):
    """Jump the playing media to `position` seconds."""

    position: float
    kind: ClassVar[Literal["seek"]] = "seek"


@dataclass(frozen=True, slots=True)
class ShowClock(_Action):
    """At the bundle's timetag the show is at `time` and this device's `media` must be at
    `position`: a player corrects drift, one that restarted rejoins (SPEC 3.2)."""

    time: float
    media: str
    position: float
    epoch: int = 0
    """The controller's term (docs/standby.md): a player follows clocks of the newest
    epoch it has seen only; 0 (a single controller) is not sent."""
    kind: ClassVar[Literal["clock"]] = "clock"


@dataclass(frozen=True, slots=True)
class Lights(_Action):
    """A lighting console's cue, over `fade` seconds."""

    cue: str
    fade: float
    kind: ClassVar[Literal["lights"]] = "lights"


@dataclass(frozen=True, slots=True)
class Levels(_Action):
    """DMX channels (1-512) heading for levels (0-255) over `fade` seconds; the controller
    renders the fade as `Dmx` frames."""

    levels: tuple[tuple[int, int], ...]
    fade: float
    kind: ClassVar[Literal["levels"]] = "levels"


@dataclass(frozen=True, slots=True)
class Dmx(_Action):
    """One whole universe: 512 channel bytes."""

    frame: bytes
    kind: ClassVar[Literal["dmx"]] = "dmx"


@dataclass(frozen=True, slots=True)
class Volume(_Action):
    """An audio device's level, `db` (0 as mixed, -80 silent), over `fade` seconds. In a
    plan it is the cue's level: the master volume is added as it leaves (core/mix.py)."""

    db: float
    fade: float
    kind: ClassVar[Literal["volume"]] = "volume"


@dataclass(frozen=True, slots=True)
class Osc(_Action):
    """A cue's raw OSC (the escape hatch): sent as written."""

    address: str
    values: tuple[Arg, ...] = ()
    kind: ClassVar[Literal["osc"]] = "osc"


@dataclass(frozen=True, slots=True)
class Pattern(_Action):
    """A test pattern the player draws itself (grid, crosshatch, blend, bars): no media."""

    pattern: str
    kind: ClassVar[Literal["pattern"]] = "pattern"


Action = (Load | Play | Pause | Resume | Stop | Black | Seek | ShowClock | Lights | Levels
          | Dmx | Volume | Osc | Pattern)
"""Any one device action (`match` or `isinstance` on the class to read its fields)."""

PlayerAction = Play | Pause | Stop | Black
"""What a cue makes a player (a screen, an audio device) do."""
