"""The one model of venue, show and schedule: frozen once loaded.

Shape checks live on the models (pydantic); checks that need two files at once
(a cue naming a screen the venue lacks, a schedule naming a missing show) live in
`showctl.files.crossref`, so each file still loads on its own.
"""

from showctl.model.schedule import DayEntry, Every, Policy, Schedule, ScheduleEntry, SpecialDay
from showctl.model.show import (
    Black,
    Cue,
    Levels,
    Lights,
    OscAction,
    Play,
    Show,
    Sound,
    Stop,
    Volume,
)
from showctl.model.venue import Device, OscInput, SafeLook, User, Venue, Web

__all__ = [
    "Black",
    "Cue",
    "DayEntry",
    "Device",
    "Every",
    "Levels",
    "Lights",
    "OscAction",
    "OscInput",
    "Play",
    "Policy",
    "SafeLook",
    "Schedule",
    "ScheduleEntry",
    "Show",
    "Sound",
    "SpecialDay",
    "Stop",
    "User",
    "Venue",
    "Volume",
    "Web",
]
