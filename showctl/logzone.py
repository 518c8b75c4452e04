"""Log lines stamped on the venue's clock with its zone (`14:02:11.250 CET`), whatever
the host's own zone (UTC on most servers): the controller's (`showctl run`) and the
player's (`showctl player`) lines read alike side by side in one journal. A module of
its own, below everything, so the player (which never imports the core) has it too."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

FORMAT = "%(asctime)s %(levelname)-7s %(message)s"


class ZoneFormatter(logging.Formatter):
    """Until the venue is read (`use_zone`), the host's zone, named too."""

    zone: ZoneInfo | None = None

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        at = datetime.fromtimestamp(record.created, self.zone).astimezone(self.zone)
        return f"{at:%H:%M:%S}.{int(record.msecs):03d} {at:%Z}"


def use_zone(timezone: str) -> None:
    """Every ZoneFormatter of the root logger (or of the handlers its queue writes to,
    `targets`) stamps lines in `timezone` from now on."""
    for queued in logging.getLogger().handlers:
        for handler in (queued, *getattr(queued, "targets", ())):
            if isinstance(handler.formatter, ZoneFormatter):
                handler.formatter.zone = ZoneInfo(timezone)


def stamp_in(timezone: str) -> None:
    """The root logger's plain handlers (`showctl player`'s) get a ZoneFormatter in
    `timezone`; handlers with another formatter of their own kind are left as they are."""
    for handler in logging.getLogger().handlers:
        if type(handler.formatter) is logging.Formatter:
            handler.setFormatter(ZoneFormatter(FORMAT))
    use_zone(timezone)
