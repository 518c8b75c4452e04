"""A show: its cue timeline (SPEC 1.3). Modelled on Linux Show Player's cues: a cue is
a moment on the timeline carrying actions; `hold` stops the timeline until GO."""

from __future__ import annotations

import difflib
import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from showctl.model.timecode import ShowTimecode
from showctl.model.types import (
    SILENT_DB,
    Decibels,
    DmxChannel,
    DmxLevel,
    Flag,
    Frozen,
    Seconds,
    Visible,
    Whole,
)

ScreenSelector = str | Whole | tuple[Whole | str, ...]
PLACEHOLDERS = ("screen",)
"""What `{...}` a media name may hold: `{screen}` becomes each screen's index."""
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


class Play(Frozen):
    media: Visible = Field(min_length=1, description="`{screen}` becomes the screen's index")
    from_: Seconds = Field(default=0.0, alias="from", description="position in the media")

    @field_validator("media")
    @classmethod
    def _known_placeholders(cls, media: str) -> str:
        for name in _PLACEHOLDER.findall(media):
            if name in PLACEHOLDERS:
                continue
            close = difflib.get_close_matches(name.partition(":")[0], PLACEHOLDERS, n=1,
                                              cutoff=0.6)
            if ":" in name and close:
                hint = f": write {{{close[0]}}}, which becomes the plain number (1, 2 ... 9)"
            elif close:
                hint = f": did you mean {{{close[0]}}}?"
            else:
                hint = f" (only {', '.join('{' + p + '}' for p in PLACEHOLDERS)})"
            raise ValueError(f"unknown placeholder {{{name}}}{hint}")
        rest = _PLACEHOLDER.sub("", media)
        if "{" in rest or "}" in rest:
            brace = "`{` is never closed" if "{" in rest else "`}` closes nothing"
            raise ValueError(f"{brace} (a placeholder is written "
                             f"{', '.join('{' + p + '}' for p in PLACEHOLDERS)})")
        return media


class TestPattern(Frozen):
    """`pattern: {kind: grid | crosshatch | blend | bars}` (SPEC 7.3): drawn by the player,
    so it needs no media file; crosshatch shows the screen's index and angle, blend is
    full white (the overlaps' check), bars are SMPTE HD colour bars."""

    kind: Literal["grid", "crosshatch", "blend", "bars"]


class Stop(Frozen):
    fade: Seconds = 0.0


class Black(Frozen):
    fade: Seconds = 0.0


class Sound(Frozen):
    """A soundtrack on audio devices: it starts at `volume`, or fades in from silence to
    it over `fade` seconds."""

    media: Visible = Field(min_length=1, description="the sound file, as the player finds it")
    from_: Seconds = Field(default=0.0, alias="from", description="position in the media")
    volume: Decibels = Field(default=0.0, description="dB: 0 as mixed, -80 silent, up to +12")
    fade: Seconds = Field(default=0.0, description="fade in from silence over this long")
    device: str | None = Field(default=None, description="audio device; default: all")

    @field_validator("media")
    @classmethod
    def _no_placeholders(cls, media: str) -> str:
        if "{" in media or "}" in media:
            raise ValueError("a sound's media takes no placeholder: {screen} is a screen's "
                             "number, and an audio device has none")
        return media


class Volume(Frozen):
    """A sound level change on audio devices (the master volume comes on top)."""

    db: Decibels = Field(description=f"dB: 0 as mixed, {SILENT_DB:g} silent, up to +12")
    fade: Seconds = Field(default=0.0, description="seconds to reach it")
    device: str | None = Field(default=None, description="audio device; default: all")


class Lights(Frozen):
    cue: str = Field(min_length=1, description="the console's cue / preset name")
    fade: Seconds = 0.0
    device: str | None = Field(default=None, description="lighting device; default: all")


class Levels(Frozen):
    channels: dict[DmxChannel, DmxLevel] = Field(
        description="DMX channel (1-512) -> level 0-255"
    )
    fade: Seconds = 0.0
    device: str | None = Field(default=None, description="lighting device; default: all")


class OscAction(Frozen):
    """The escape hatch: one raw OSC message to one device."""

    device: str
    address: str = Field(pattern=r"^/")
    args: tuple[int | float | str | bool, ...] = ()


class Cue(Frozen):
    id: Visible = Field(min_length=1, description="unique in the show, e.g. \"7\" or \"7.1\"")
    at: Seconds = Field(description="show time: seconds, M:SS(.fff) or H:MM:SS(.fff)")
    name: str = Field(default="", description="what operators see on the cue sheet")
    screens: ScreenSelector | None = Field(
        default=None, description="`all`, a group, screen numbers or ids, or a list of them"
    )
    play: Play | None = Field(default=None, description="screens play a media file")
    stop: Stop | None = Field(default=None, description="screens stop their player")
    pause: Flag = Field(default=False, description="screens pause on the current frame")
    black: Black | None = Field(default=None, description="screens fade to black")
    pattern: TestPattern | None = Field(
        default=None, description="screens show a test pattern the player draws")
    lights: Lights | None = Field(default=None, description="recall a lighting console cue")
    levels: Levels | None = Field(default=None, description="set DMX channels directly")
    sound: Sound | None = Field(default=None, description="audio devices play a sound file")
    volume: Volume | None = Field(default=None, description="audio devices change level")
    osc: tuple[OscAction, ...] = Field(
        default=(), description="raw OSC messages to devices: one, or a list"
    )
    hold: Flag = Field(default=False, description="the timeline stops here until GO")
    notes: str = Field(default="", description="for the operator; not sent anywhere")

    @model_validator(mode="before")
    @classmethod
    def _one_osc_or_many(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("osc"), dict):
            data = {**data, "osc": [data["osc"]]}
        return data

    @model_validator(mode="after")
    def _screen_actions_need_screens(self) -> Cue:
        acts = [n for n in ("play", "stop", "black", "pattern") if getattr(self, n) is not None]
        if self.pause:
            acts.append("pause")
        if acts and self.screens is None:
            raise ValueError(f"cue {self.id!r}: {', '.join(acts)} needs `screens:`")
        return self

    @property
    def label(self) -> str:
        return f"{self.id} {self.name}".strip()


class Show(Frozen):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$", description="how commands name the show")
    title: str = ""
    preroll: Seconds = Field(default=2.0, description="seconds to load media before t=0")
    duration: Seconds | None = Field(
        default=None, description="end of the show; default: last cue plus its longest fade"
    )
    cues: tuple[Cue, ...] = Field(min_length=1)
    timecode: ShowTimecode = ShowTimecode()

    @property
    def length(self) -> float:
        """When the show is over on its own timeline."""
        if self.duration is not None:
            return self.duration
        last = self.cues[-1]
        fades = [
            a.fade for a in (last.stop, last.black, last.lights, last.levels, last.volume)
            if a is not None
        ]
        return last.at + max(fades, default=0.0)

    def cue(self, cue_id: str) -> Cue:
        for cue in self.cues:
            if cue.id == cue_id:
                return cue
        raise KeyError(cue_id)
