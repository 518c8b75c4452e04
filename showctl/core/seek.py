"""Where the show should be at a playhead: the actions that put every device there."""

from __future__ import annotations

from showctl.core.devices import DeviceBook
from showctl.core.plan import Plan
from showctl.outputs.actions import Action
from showctl.outputs.dmx import levels_at


def catch_up(plan: Plan, t: float, dmx_devices: list[str]) -> list[Action]:
    """Screens as they should be at `t` (a screen mid-clip plays from the right offset),
    sound at the level its fades have reached (set before its play), the last console
    cue cut in, DMX levels as the fades have left them at `t`."""
    actions = plan.volumes_at(t)
    actions += [a for a in plan.screen_state_at(t).values() if a is not None]
    actions += plan.lights_at(t).values()
    for device in dmx_devices:
        starts = [
            (planned.at, action.args[0], action.args[1])
            for planned in plan.cues
            for action in planned.actions
            if action.device == device and action.kind == "levels"
        ]
        if starts:
            actions.append(Action(device, "levels", (levels_at(starts, t).snapshot(t), 0.0)))
    return actions


def cue_up(actions: list[Action]) -> list[Action]:
    """The same look, held still: plays become loads (paused at their position)."""
    return [Action(a.device, "load", a.args) if a.kind == "play" else a for a in actions]


def prefer_seek(actions: list[Action], devices: DeviceBook) -> list[Action]:
    """A screen already playing the right media only needs `seek`, not a new `play`."""
    out = []
    for action in actions:
        current = devices.outputs.get(action.device)
        if (action.kind == "play" and current is not None and current.state == "playing"
                and current.media == action.args[0]):
            out.append(Action(action.device, "seek", (action.args[1],)))
        else:
            out.append(action)
    return out
