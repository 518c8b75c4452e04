"""The master volume survives a restart: `<state_dir>/volume.json`.

An operator who turned the room down for a school group must not get it back at full
level because the controller restarted (the watchdog, a power cut). The level lives in
the core (`Controller.set_volume`, which publishes `volume` events); this keeps a copy
from those events and, at startup, sets the level again (`by="restart"`).

The venue's `volume:` is the level at the first start. The copy remembers the venue
value it was made under: when the file's value has changed since, the installer
re-levelled the room on purpose, and the new value wins over the operator's.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from showctl.core.controller import Controller
from showctl.core.errors import CommandError
from showctl.core.events import VOLUME, Event
from showctl.statefile import write_json

log = logging.getLogger(__name__)
FILE = "volume.json"


class VolumeFile:
    def __init__(self, controller: Controller) -> None:
        self.controller = controller
        self.path = Path(controller.config.venue.state_dir) / FILE
        self._unsubscribe: Callable[[], None] | None = None

    def read(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            log.error("cannot read the master volume from %s (%s): the venue's volume "
                      "applies", self.path, exc)
            return None
        return data if isinstance(data, dict) else None

    def restore(self) -> None:
        """Sets the level kept before the restart (unless the venue's changed since);
        from then on every change is written. Does nothing the second time."""
        if self._unsubscribe is not None:
            return
        ctl = self.controller
        saved = self.read()
        self._unsubscribe = ctl.bus.subscribe(self._on_event)
        venue_db = ctl.venue.volume
        if saved is None or saved.get("venue_db") != venue_db:
            if saved is not None:
                log.warning("the venue's volume is now %+g dB (was %s): it replaces the "
                            "master volume set before", venue_db, saved.get("venue_db"))
            self._write(ctl.volume)
            return
        db = saved.get("db")
        try:
            ctl.set_volume(db, 0.0, by="restart")  # type: ignore[arg-type]
        except CommandError as exc:
            log.error("the master volume in %s is unusable (%s): the venue's applies",
                      self.path, exc)
            self._write(ctl.volume)
            return
        by = saved.get("by")
        log.info("master volume %+g dB (kept from before the restart%s)", ctl.volume,
                 f", set by {by}" if by else "")  # never "set by None"

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_event(self, event: Event) -> None:
        if event.kind == VOLUME and event.data.get("by") != "restart":
            # written after the current burst of datagrams, never inside it
            asyncio.get_running_loop().call_soon(self._write, float(event.data["db"]),
                                                 event.data.get("by"))

    def _write(self, db: float, by: str | None = None) -> None:
        record = {"db": db, "venue_db": self.controller.venue.volume, "by": by,
                  "at": self.controller.clock.time()}
        try:
            write_json(self.path, record)
        except OSError as exc:
            log.error("cannot record the master volume in %s: %s", self.path, exc)
