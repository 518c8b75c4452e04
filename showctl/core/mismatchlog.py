"""One line per device per burst of "not as told", in plain words (issue 22).

A player's report is judged against what it was told (`core.confirmed`) once a second.
Every stop, seek or PANIC makes each screen briefly differ while it follows (a fade, a
drift correction), and each flag used to be a line of its own, twice (the core's and the
dashboard's): twenty lines that pushed who-pressed-what out of the Events list. Here a
device's flags from the first to the report that clears them are one burst, and a burst
is said once:

* a player that went dark while told to play and came back: `screen4's player
  restarted, dark 1.2 s` (its mpv restart count moved, or the player itself started
  again) or `screen4 was dark 1.2 s while told to play, and plays again`;
* a burst still going after `SAY_AFTER` seconds: said then (`screen4 is not as told for
  2 s: plays 'b.mp4' instead of 'a.mp4'`), and its end once more (`screen4 as told again
  after 6.0 s`);
* a short burst of wrong state or media: one line when it ends;
* a short burst of position alone (the player corrected itself within a couple of
  seconds, as drift correction is meant to): no line; the flag stays in status().

Time is the monotonic instant of each report (the controller's clock), so a FakeClock
drives it in tests; nothing here waits or sleeps.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from showctl.core.events import LogLevel

SAY_AFTER = 2.0
"""Seconds a burst may last before it is said while still going on."""
DARK = ("idle", "black", "stopped")
_OFF = re.compile(r"^([+-]\d+) ms off \(([\d.]+) frames\)$")
_STATE = re.compile(r"^(\w+), told (\w+)$")
_MEDIA = re.compile(r"^plays (.+), told (.+)$")


def plain(flag: str) -> str:
    """A flag of `core.confirmed.mismatch` in an operator's words."""
    if match := _OFF.match(flag):
        ms, frames = int(match[1]), match[2]
        return f"{abs(ms)} ms {'ahead' if ms > 0 else 'behind'} ({frames} frames)"
    if match := _STATE.match(flag):
        state, told = match[1], match[2]
        if told == "playing" and state in DARK:
            return f"dark ({state}), told to play"
        return f"{state}, told to be {told}"
    if match := _MEDIA.match(flag):
        return f"plays {match[1]} instead of {match[2]}"
    return flag


@dataclass
class _Burst:
    start: float
    first: str
    last: str
    dark: bool  # told to play, reported dark at some point
    restarted: bool  # the player (or its mpv) started again during the burst
    said: bool = False


class MismatchLog:
    """Fed every judged report (`report`); `say(message, level)` writes the lines."""

    def __init__(self, say: Callable[[str, LogLevel], None]) -> None:
        self._say = say
        self._bursts: dict[str, _Burst] = {}
        self._restarts: dict[str, int] = {}

    def report(self, device: str, flag: str | None, *, state: str, told: str,
               restarts: int, at: float) -> None:
        before = self._restarts.get(device, restarts)
        self._restarts[device] = restarts
        # the player's mpv restarted (count up), or the player program itself (count reset)
        restarted = restarts != before
        burst = self._bursts.get(device)
        dark = told == "playing" and state in DARK
        if flag is not None:
            if burst is None:
                burst = self._bursts[device] = _Burst(at, flag, flag, dark, restarted)
            burst.last, burst.dark = flag, burst.dark or dark
            burst.restarted = burst.restarted or restarted
            if not burst.said and at - burst.start >= SAY_AFTER:
                burst.said = True
                self._say(f"{device} is not as told for {at - burst.start:.0f} s: "
                          f"{plain(flag)}", "warning")
            return
        if burst is None:
            if restarted and told == "playing":
                self._say(f"{device}'s player restarted (no flag: it plays as told)", "info")
            return
        del self._bursts[device]
        took = at - burst.start
        if burst.dark and told != "playing":  # stopped meanwhile: it need not play now
            self._say(f"{device} was dark {took:.1f} s while told to play, until told to "
                      f"be {told}", "warning")
        elif burst.dark and (restarted or burst.restarted):
            self._say(f"{device}'s player restarted, dark {took:.1f} s", "warning")
        elif burst.dark:
            self._say(f"{device} was dark {took:.1f} s while told to play, and plays "
                      "again", "warning")
        elif burst.said:
            self._say(f"{device} as told again after {took:.1f} s", "info")
        elif not _OFF.match(burst.first) or not _OFF.match(burst.last):
            self._say(f"{device} was not as told for {took:.1f} s: {plain(burst.first)}",
                      "warning")
