"""Where the show should be at a playhead: the actions that put every device there."""

from __future__ import annotations

from showctl.core.devices import DeviceBook
from showctl.core.plan import Plan
from showctl.outputs.actions import Action, Levels, Load, Play, Seek
from showctl.outputs.dmx import levels_at


def catch_up(plan: Plan, t: float, dmx_devices: list[str]) -> list[Action]:
    """Screens as they should be at `t` (a screen mid-clip plays from the right offset),
    sound at the level its fades have reached (set before its play), the last console
    cue cut in, DMX levels as the fades have left them at `t`."""
    actions: list[Action] = list(plan.volumes_at(t))
    actions += [a for a in plan.screen_state_at(t).values() if a is not None]
    actions += plan.lights_at(t).values()
    for device in dmx_devices:
        starts = [
            (planned.at, action.levels, action.fade)
            for planned in plan.cues
            for action in planned.actions
            if action.device == device and isinstance(action, Levels)
        ]
        if starts:
            actions.append(Levels(device, levels_at(starts, t).snapshot(t), 0.0))
    return actions


def cue_up(actions: list[Action]) -> list[Action]:
    """The same look, held still: plays become loads (paused at their position)."""
    return [Load(a.device, a.media, a.position) if isinstance(a, Play) else a for a in actions]


def prefer_seek(actions: list[Action], devices: DeviceBook) -> list[Action]:
    """A screen already playing the right media only needs `seek`, not a new `play`."""
    out: list[Action] = []
    for action in actions:
        current = devices.outputs.get(action.device)
        if (isinstance(action, Play) and current is not None and current.state == "playing"
                and current.media == action.media):
            out.append(Seek(action.device, action.position))
        else:
            out.append(action)
    return out
