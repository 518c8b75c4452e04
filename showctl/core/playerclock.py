"""What the drift clock tells each player: the media it must be playing and where in it
at an instant (SPEC 3.2 `/showctl/player/clock f show time, s media, f position`).

The answer comes from what each player was told (the device book), not from the plan
alone, so it stays true through a hold (players keep playing while the timeline
stands), a fired cue or a seek. A player told to be paused, black or stopped gets no
clock: the clock is for media that moves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from showctl.core.devices import DeviceBook
from showctl.outputs.actions import Action, ShowClock
from showctl.outputs.router import Router

Pending = Iterable[tuple[float, Sequence[Action]]]
"""Actions built (sent ahead) but not yet in effect: (monotonic instant, actions)."""


class PlayerClock:
    def __init__(self, book: DeviceBook, router: Router) -> None:
        self.book = book
        self.epoch = 0  # the controller's term, in every clock (docs/standby.md)
        self.targets = [d.id for d in book.venue.players
                        if router.profiles[d.id].supports("clock")]

    def actions(self, show_time: float, at: float, pending: Pending = ()) -> list[ShowClock]:
        """`clock` for every player that must be playing at monotonic `at`; `pending`
        are the actions that will have taken effect by then."""
        pending = list(pending)
        out = []
        for device in self.targets:
            output = self.book.outputs[device]
            mine = [(when, a) for when, acts in pending if when <= at
                    for a in acts if a.device == device]
            if mine:
                output = replace(output)
                for when, action in mine:
                    output.apply(action, when)
            if output.state == "playing" and output.media:
                out.append(ShowClock(device, round(show_time, 6), output.media,
                                     round(output.position_at(at), 6), self.epoch))
        return out
