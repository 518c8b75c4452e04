"""The schedule hold survives a restart: `<state_dir>/schedule-hold.json`.

A room held for maintenance must stay held when the controller restarts (the watchdog,
an operator, a power cut): otherwise scheduled starts would resume unattended. The flag
itself lives in the core (`Controller.hold_schedule` / `release_schedule`, which publish
`schedule` events); this keeps a copy on disk from those events and, at startup, holds
the schedule again (`by="restart"`) when the copy says it was held.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from showctl.core.clock import Clock
from showctl.core.controller import Controller
from showctl.core.events import SCHEDULE, Event
from showctl.statefile import write_json

log = logging.getLogger(__name__)
FILE = "schedule-hold.json"


class HoldFile:
    def __init__(self, controller: Controller, clock: Clock) -> None:
        self.controller, self.clock = controller, clock
        self.path = Path(controller.config.venue.state_dir) / FILE
        self._held: bool | None = None  # what the file says, once restored
        self._unsubscribe: Callable[[], None] | None = None

    def read(self) -> dict[str, Any]:
        """`{"held": bool, "since": wall seconds}`; not held when absent or unreadable."""
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {"held": False}
        except (OSError, ValueError) as exc:
            log.error("cannot read the schedule hold from %s (%s): taken as released",
                      self.path, exc)
            return {"held": False}
        return data if isinstance(data, dict) else {"held": False}

    def restore(self) -> None:
        """Holds the schedule again if it was held when the controller stopped; from then
        on every hold and release is written. Does nothing the second time."""
        if self._unsubscribe is not None:
            return
        saved = self.read()
        ctl = self.controller
        self._held = bool(saved.get("held"))
        self._unsubscribe = ctl.bus.subscribe(self._on_event)
        if ctl.schedule_held:  # held before we got here: that is the truth now
            self._write(True)
        elif self._held:
            ctl.hold_schedule(by="restart")
            since = saved.get("since")
            tz = ZoneInfo(ctl.config.venue.timezone)
            held_at = f" since {datetime.fromtimestamp(since, tz):%Y-%m-%d %H:%M %Z}" \
                if isinstance(since, int | float) else ""
            log.warning("the schedule is HELD (held%s, before the restart): scheduled starts "
                        "are skipped until it is released", held_at)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_event(self, event: Event) -> None:
        if event.kind == SCHEDULE and bool(event.data.get("held")) != self._held:
            self._write(bool(event.data.get("held")))

    def _write(self, held: bool) -> None:
        self._held = held
        try:
            write_json(self.path, {"held": held, "since": self.clock.time()})
        except OSError as exc:
            log.error("cannot record the schedule hold in %s: %s", self.path, exc)
