"""The venue's `player:` section: how every `showctl player` guards itself (issue 21).

A player is a screen in a public room: when its controller vanishes it must not play on
unbounded, and it listens on a network where anyone can send it packets. These are the
limits every player of the venue applies (docs/player.md, "Fail-safe and guard").
"""

from __future__ import annotations

from pydantic import Field

from showctl.model.types import Frozen, Network, Seconds, Visible, Whole


class PlayerPolicy(Frozen):
    failsafe_after: Seconds = Field(
        default=10.0, ge=1.0, le=3600.0,
        description="seconds without a word from the controller while playing before the "
        "player fades to black (or the safe image); longer than a standby takeover")
    failsafe_fade: Seconds = Field(default=1.0, ge=0.0, le=60.0,
                                   description="the fail-safe's fade to black, seconds")
    safe_image: Visible | None = Field(
        default=None, description="a media name (an image) shown after the fail-safe's "
        "fade instead of black")
    allow: tuple[Network, ...] | None = Field(
        default=None, description="who may command the players; default: the controller's "
        "own address (`osc.listen`)")
    max_pending: Whole = Field(default=256, ge=1, le=100_000,
                               description="bundles a device holds for later at most")
    horizon: Seconds = Field(default=60.0, ge=1.0, le=86_400.0,
                             description="how far ahead a bundle's timetag may be")
