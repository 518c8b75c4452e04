"""A real controller and schedule runner on a FakeClock set to a given local time, and
what the bus said (with the fake wall time it said it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from showctl.core.clock import FakeClock
from showctl.core.controller import Controller
from showctl.core.events import Event
from showctl.files.loader import load_config
from showctl.history import History
from showctl.scheduling.runner import ScheduleRunner
from tests.support import SMALL_SHOW, write_config

PARIS = ZoneInfo("Europe/Paris")
NIGHT = {**SMALL_SHOW, "id": "night", "title": "Night show"}
LONG = {  # 40 minutes: still running when the next half-hourly start is due
    "id": "long", "preroll": 1,
    "cues": [{"id": "1", "at": 0, "lights": {"cue": "house-out"}},
             {"id": "2", "at": "40:00", "lights": {"cue": "house-up"}}],
}


@dataclass
class Setup:
    clock: FakeClock
    controller: Controller
    runner: ScheduleRunner
    venue_path: Path
    history: History | None
    events: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)

    def firsts(self) -> list[str]:
        """When each run's first cue took effect (local ISO) and the show."""
        return [f"{datetime.fromtimestamp(d['deadline_wall'], PARIS).isoformat()} {d['show']}"
                for _, kind, d in self.events if kind == "cue" and d["cue"] == "1"]

    def runs(self, what: str) -> list[dict[str, Any]]:
        return [d for _, kind, d in self.events if kind == "run" and d["event"] == what]

    def write_schedule(self, text: str) -> Path:
        path = self.controller.config.schedule_path
        path.write_text(text)
        return path

    async def close(self) -> None:
        await self.runner.stop()
        if self.history:
            await self.history.stop()
        await self.controller.close()


async def open_schedule(
    root: Path,
    schedule: dict,
    local: datetime,
    *,
    shows: list[dict] | None = None,
    history: bool = False,
    poll_every: float = 3600.0,
    venue_extra: dict | None = None,
) -> Setup:
    """Controller + runner at naive Paris time `local`; the runner started."""
    venue_path = write_config(root, screens=3, shows=shows or [SMALL_SHOW, NIGHT, LONG],
                              schedule=schedule, venue_extra=venue_extra)
    clock = FakeClock(wall=local.replace(tzinfo=PARIS).timestamp())
    controller = Controller(load_config(venue_path), clock)
    events: list[tuple[float, str, dict[str, Any]]] = []

    def record(event: Event) -> None:
        events.append((clock.time(), event.kind, event.data))

    controller.bus.subscribe(record)
    store = None
    if history:
        store = History(root / "var" / "history.sqlite3", controller.bus, clock)
        await store.start()
    runner = ScheduleRunner(controller, clock, history=store, poll_every=poll_every)
    await runner.start()
    return Setup(clock, controller, runner, venue_path, store, events)


def schedule_yaml(schedule: dict) -> str:
    return yaml.safe_dump(schedule, sort_keys=False)
