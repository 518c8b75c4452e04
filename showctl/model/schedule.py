"""When shows run (SPEC 1.4)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from showctl.model.types import ClockTime, Day, Frozen, Interval, Seconds

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Every(Frozen):
    from_: ClockTime = Field(alias="from")
    until: ClockTime = Field(description="the last start, inclusive")
    interval: Interval

    @model_validator(mode="after")
    def _ordered(self) -> Every:
        if self.until < self.from_:
            raise ValueError("`until` is before `from`")
        return self


class DayEntry(Frozen):
    """A show's starts within one day: fixed times and/or a repeating window."""

    show: str
    times: tuple[ClockTime, ...] = ()
    every: Every | None = None

    @model_validator(mode="after")
    def _has_starts(self) -> DayEntry:
        if not self.times and self.every is None:
            raise ValueError(f"show {self.show!r} has neither `times` nor `every`")
        return self


class ScheduleEntry(DayEntry):
    days: tuple[Weekday, ...] = WEEKDAYS
    from_date: Day | None = None
    until_date: Day | None = None

    @model_validator(mode="after")
    def _window(self) -> ScheduleEntry:
        if self.from_date and self.until_date and self.until_date < self.from_date:
            raise ValueError("`until_date` is before `from_date`")
        return self


class PowerTimes(Frozen):
    """When the room wakes and sleeps on one day (SPEC 6.2)."""

    on: ClockTime = Field(description="wake-on-LAN, projectors on, then the self-check")
    off: ClockTime = Field(description="screens black, projectors off")

    @model_validator(mode="after")
    def _ordered(self) -> PowerTimes:
        if self.off <= self.on:
            raise ValueError("`off` must be after `on` (the room sleeps at night)")
        return self


class Power(PowerTimes):
    days: tuple[Weekday, ...] = WEEKDAYS


class SpecialDay(Frozen):
    date: Day
    shows: tuple[DayEntry, ...] = ()
    power: PowerTimes | None = Field(default=None, description="this day's own power times")


class Policy(Frozen):
    if_busy: Literal["skip", "queue"] = "skip"
    if_devices_missing: Literal["start", "skip"] = Field(
        default="start", description="devices the show uses offline at a scheduled start: "
        "start anyway (with a warning) or skip it")
    missed_grace: Seconds = 60.0
    preload: Seconds = Field(default=10.0, description="seconds before a start to load")


class Schedule(Frozen):
    shows: tuple[ScheduleEntry, ...] = ()
    closed: tuple[Day, ...] = ()
    special: tuple[SpecialDay, ...] = ()
    policy: Policy = Policy()
    power: Power | None = Field(default=None, description="when the room wakes and sleeps")
