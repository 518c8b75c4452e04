"""A show compiled against a venue: the ordered, timed device commands the engine plays
and `showctl cues` prints. Pure data, so what is printed is exactly what is played."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace

from showctl.model import Cue, Show, Venue
from showctl.model.types import SILENT_DB
from showctl.outputs.actions import (
    Action,
    Black,
    Levels,
    Lights,
    Load,
    Osc,
    Pattern,
    Pause,
    Play,
    PlayerAction,
    Stop,
    Volume,
)

SCREEN_ACTIONS = (Play, Pause, Stop, Black)


@dataclass(frozen=True, slots=True)
class PlannedCue:
    index: int
    cue: Cue
    actions: tuple[Action, ...]

    @property
    def at(self) -> float:
        return self.cue.at

    @property
    def devices(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.device for a in self.actions))


class Plan:
    def __init__(self, show: Show, venue: Venue, cues: tuple[PlannedCue, ...]) -> None:
        self.show = show
        self.venue = venue
        self.cues = cues
        self._times = [c.at for c in cues]

    @property
    def length(self) -> float:
        return self.show.length

    def cue_index(self, cue_id: str) -> int:
        for planned in self.cues:
            if planned.cue.id == cue_id:
                return planned.index
        raise KeyError(cue_id)

    def index_after(self, t: float) -> int:
        """The first cue still to come once the playhead is at `t` (cues at `t` are past)."""
        return bisect.bisect_right(self._times, t)

    def preloads(self) -> list[Action]:
        """Each player's (screen, audio device) first media, cued at its start position
        (sent on load)."""
        return [a for a in self.screen_state_at(-1.0).values() if a is not None]

    def screen_state_at(self, t: float) -> dict[str, Action | None]:
        """What each player (screens, audio devices) should be doing at show time `t`, as
        the one action that puts it there: `play` (or `load` when paused) at the right
        offset, `black`, `stop`."""
        state: dict[str, Action | None] = {d.id: None for d in self.venue.players}
        last: dict[str, tuple[float, PlayerAction]] = {}
        for planned in self.cues:
            if planned.at > t:
                break
            for action in planned.actions:
                if action.device in state and isinstance(action, SCREEN_ACTIONS):
                    last[action.device] = (planned.at, action)
        for device, (at, action) in last.items():
            state[device] = _screen_catch_up(action, at, t, self._last_play(device, at))
        for device in state:
            if device not in last:
                first = self._first_play(device)
                state[device] = Load(device, first.media, first.position) if first else None
        return state

    def volumes_at(self, t: float) -> list[Volume]:
        """Each audio device's cue level at show time `t`: where a fade has got to (cut),
        then the rest of that fade, so a seek or a restart lands mid-fade as the show
        would have been."""
        level: dict[str, float] = {}
        fading: dict[str, tuple[float, float, float, float]] = {}  # from, to, start, end
        for planned in self.cues[: self.index_after(t)]:
            for action in planned.actions:
                if not isinstance(action, Volume):
                    continue
                before = _level_at(level.get(action.device, 0.0),
                                   fading.get(action.device), planned.at)
                level[action.device] = action.db
                fading[action.device] = (before, action.db, planned.at, planned.at + action.fade)
        out = []
        for device, db in level.items():
            start, target, _begun, end = fading[device]
            if end > t:
                out.append(Volume(device, round(_level_at(start, fading[device], t), 3), 0.0))
                out.append(Volume(device, target, round(end - t, 6)))
            else:
                out.append(Volume(device, db, 0.0))
        return out

    def lights_at(self, t: float) -> dict[str, Lights]:
        """The last console cue each lighting device got by show time `t`, cut (fade 0)."""
        out: dict[str, Lights] = {}
        for planned in self.cues[: self.index_after(t)]:
            for action in planned.actions:
                if isinstance(action, Lights):
                    out[action.device] = replace(action, fade=0.0)
        return out

    def _first_play(self, device: str) -> Play | None:
        for planned in self.cues:
            for action in planned.actions:
                if action.device == device and isinstance(action, Play):
                    return action
        return None

    def _last_play(self, device: str, before: float) -> tuple[float, Play] | None:
        found = None
        for planned in self.cues:
            if planned.at > before:
                break
            for action in planned.actions:
                if action.device == device and isinstance(action, Play):
                    found = (planned.at, action)
        return found


def _level_at(level: float, fade: tuple[float, float, float, float] | None,
              t: float) -> float:
    """A level at `t` while a fade (from, to, start, end) runs: linear in dB, as players
    ramp; silence counts as the floor of the range."""
    if fade is None:
        return level
    start, target, begun, end = fade
    if t >= end or end <= begun:
        return target
    return start + (target - start) * (t - begun) / (end - begun)


def _screen_catch_up(
    action: PlayerAction, at: float, t: float, last_play: tuple[float, Play] | None
) -> Action:
    if isinstance(action, Play):
        return replace(action, position=round(action.position + (t - at), 6))
    if isinstance(action, Pause):
        if last_play is None:
            return action
        play_at, play = last_play
        return Load(action.device, play.media, round(play.position + (at - play_at), 6))
    return replace(action, fade=0.0)  # stopped or black: at once


def compile_plan(show: Show, venue: Venue) -> Plan:
    """KeyError when a cue names a device the venue lacks (the files' checks catch it
    first; this is the engine's own guard)."""
    lighting = [d.id for d in venue.lighting]
    audio = [d.id for d in venue.audio]
    index_of = {d.id: d.index for d in venue.screens}
    planned: list[PlannedCue] = []
    for n, cue in enumerate(show.cues):
        actions: list[Action] = []
        for device in venue.resolve_screens(cue.screens):
            if cue.play is not None:
                media = cue.play.media.replace("{screen}", str(index_of.get(device, "")))
                actions.append(Play(device, media, cue.play.from_))
            if cue.pause:
                actions.append(Pause(device))
            if cue.stop is not None:
                actions.append(Stop(device, cue.stop.fade))
            if cue.black is not None:
                actions.append(Black(device, cue.black.fade))
            if cue.pattern is not None:
                actions.append(Pattern(device, cue.pattern.kind))
        if cue.lights is not None:
            for device in [venue.device(cue.lights.device).id] if cue.lights.device else lighting:
                actions.append(Lights(device, cue.lights.cue, cue.lights.fade))
        if cue.levels is not None:
            levels = tuple(sorted(cue.levels.channels.items()))
            for device in [venue.device(cue.levels.device).id] if cue.levels.device else lighting:
                actions.append(Levels(device, levels, cue.levels.fade))
        if cue.sound is not None:
            sound = cue.sound
            for device in [venue.device(sound.device).id] if sound.device else audio:
                if sound.fade > 0:  # a fade-in starts from silence
                    actions.append(Volume(device, SILENT_DB, 0.0))
                    actions.append(Play(device, sound.media, sound.from_))
                    actions.append(Volume(device, sound.volume, sound.fade))
                else:
                    actions.append(Volume(device, sound.volume, 0.0))
                    actions.append(Play(device, sound.media, sound.from_))
        if cue.volume is not None:
            volume = cue.volume
            for device in [venue.device(volume.device).id] if volume.device else audio:
                actions.append(Volume(device, volume.db, volume.fade))
        for osc in cue.osc:
            actions.append(Osc(venue.device(osc.device).id, osc.address, tuple(osc.args)))
        planned.append(PlannedCue(n, cue, tuple(actions)))
    return Plan(show, venue, tuple(planned))
