"""showctl's own player protocol (SPEC 3.2, 6.1), said once.

Every `/showctl/player/*` command's arguments are written here and nowhere else: the
`showctl` profile encodes with `message`, the player (`showctl player`) and the simulator
decode with `problem`, and `ScreenTransport` is the one play/pause/stop state machine of
a screen, which the core's commanded state and the simulator's device both run. A new
command, or a new argument, is one edit here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PREFIX = "/showctl/player/"


@dataclass(frozen=True)
class Command:
    """One command's arguments: `types` by position (`s` a string, `f` a finite number,
    `i` a whole number >= 0), and how many of them a sender may give (`counts`: a
    command whose trailing arguments are optional accepts each count listed)."""

    types: str
    counts: frozenset[int]

    @classmethod
    def exactly(cls, types: str) -> Command:
        return cls(types, frozenset({len(types)}))


COMMANDS: dict[str, Command] = {
    "load": Command.exactly("sf"),  # media, position (s)
    "play": Command.exactly("sf"),  # media, position (s)
    "pause": Command.exactly(""),
    "resume": Command.exactly(""),
    "stop": Command("f", frozenset({0, 1})),  # [fade (s)]
    "black": Command("f", frozenset({0, 1})),  # [fade (s)]
    "seek": Command.exactly("f"),  # position (s)
    # show time; then the media it must play and where (3); then the sender's epoch (4,
    # SPEC 7.5); an older controller sends the show time alone (1)
    "clock": Command("fsfi", frozenset({1, 3, 4})),
    "volume": Command.exactly("ff"),  # dB, fade (s)
    "pattern": Command.exactly("s"),  # a test pattern's kind (SPEC 7.3), or "off"
}
"""What each command takes; any other count or type is refused by `problem`."""

Args = tuple[str | float | int, ...]


def address(name: str) -> str:
    return PREFIX + name


def message(name: str, *args: str | float | int) -> tuple[str, Args]:
    """The message of command `name`, its arguments coerced to their wire types (a
    position given as an int leaves as a float, as `problem` and every player expect)."""
    command = COMMANDS[name]
    if len(args) not in command.counts:
        raise ValueError(f"{name} takes {sorted(command.counts)} argument(s), got {len(args)}")
    wire: list[str | float | int] = []
    for kind, arg in zip(command.types, args, strict=False):
        wire.append(str(arg) if kind == "s" else int(arg) if kind == "i" else float(arg))
    return address(name), tuple(wire)


def problem(address: str, args: tuple[object, ...]) -> str | None:
    """Why a received message is not a command of the protocol, in words for a log line;
    None when it is one (its arguments then have the types `COMMANDS` says)."""
    if not address.startswith(PREFIX) or address[len(PREFIX):] not in COMMANDS:
        return "unknown address"
    command = COMMANDS[address[len(PREFIX):]]
    if len(args) not in command.counts:
        wanted = " or ".join(str(n) for n in sorted(command.counts))
        return f"takes {wanted} argument(s), got {len(args)}"
    for n, (kind, arg) in enumerate(zip(command.types, args, strict=False), 1):
        number = isinstance(arg, int | float) and not isinstance(arg, bool)
        if kind == "f" and not (number and math.isfinite(arg)):  # type: ignore[arg-type]
            return f"argument {n} must be a number, got {arg!r}"
        if kind == "s" and not isinstance(arg, str):
            return f"argument {n} must be a string, got {arg!r}"
        if kind == "i" and not (isinstance(arg, int) and not isinstance(arg, bool)
                                and arg >= 0):
            return f"argument {n} must be a whole number >= 0, got {arg!r}"
    return None


@dataclass
class ScreenTransport:
    """A screen's transport as its commands leave it: the state, the media and the
    position, which advances on the monotonic clock while playing. A pause of a screen
    that is not playing, or a resume of one that is neither paused nor loaded, changes
    nothing (the player ignores them likewise)."""

    state: str = "idle"
    media: str | None = None
    position: float = 0.0
    since: float = 0.0

    def position_at(self, now: float) -> float:
        return self.position + (now - self.since if self.state == "playing" else 0.0)

    def load(self, media: str, position: float, now: float) -> None:
        self._set("loaded", media, position, now)

    def play(self, media: str, position: float, now: float) -> None:
        self._set("playing", media, position, now)

    def pause(self, now: float) -> None:
        if self.state == "playing":
            self._set("paused", self.media, self.position_at(now), now)

    def resume(self, now: float) -> None:
        if self.state in ("paused", "loaded"):
            self._set("playing", self.media, self.position, now)

    def seek(self, position: float, now: float) -> None:
        self._set(self.state, self.media, position, now)

    def end(self, black: bool, now: float) -> None:
        """stop (black=False) or black: the screen shows nothing, at position 0."""
        self._set("black" if black else "stopped", None, 0.0, now)

    def _set(self, state: str, media: str | None, position: float, now: float) -> None:
        self.state, self.media, self.position, self.since = state, media, position, now
