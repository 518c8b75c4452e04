"""The run history: every show run (who started it, how it ended), every scheduled
start that did not happen (skipped, with the reason, or missed) and every self-check
(ready or not, with its findings), in SQLite.

Bus listeners are called inside the engine's task, so the listener only queues the
event; a writer task commits the queue in a thread (each commit waits for the disk: never
on the loop that times the cues). The database is in WAL mode with full sync, so a power
cut at any instant leaves it readable with every committed run. `recent()` and `decided()`
write what is queued first, so a reader always sees what happened.

A run's `start` is the wall instant its timeline began to move, the end of the preroll:
show time 0, which for a scheduled run is its scheduled instant (a run resumed after a
restart starts where it resumed). A run stopped during its preroll keeps the instant it
was started. A scheduled run also carries the `scheduled` instant it belongs
to (`ScheduleRunner` says so with `scheduled()`), so a restarted controller knows which
starts were already decided. A run still open when the history opens was cut short by
the previous process: it is closed as `interrupted`, ending at that opening.

It also keeps the lines of the dashboard's Events list (`events` table, the newest
`EVENT_LINES`): what happened before a restart is still there after it (`lines`), with
the restart's own warning, which is published before the dashboard opens.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from showctl.core.clock import Clock
from showctl.core.events import ALERT, CHECK, CUE, DEVICE, LOG, RUN, STATE, Event, EventBus

log = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,            -- run | skip | miss | check (a self-check, show '')
    show TEXT NOT NULL,
    by TEXT,
    start REAL NOT NULL,           -- wall seconds: the run's start, or when it was skipped
    end REAL,
    outcome TEXT,                  -- completed|stopped|panic|interrupted; ready|not ready
    reason TEXT,                   -- why a start was skipped or missed; a check's findings
    scheduled REAL,                -- the scheduled instant, for scheduled starts
    ended_by TEXT                  -- who or what ended a run: web:alice, end of show, ...
);
CREATE INDEX IF NOT EXISTS runs_start ON runs (start);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    wall REAL NOT NULL,
    event TEXT NOT NULL            -- the bus event's JSON, as the dashboard receives it
);
"""
_COLUMNS = ("id", "kind", "show", "by", "start", "end", "outcome", "reason", "scheduled",
            "ended_by")
INTERRUPTED = "interrupted"
"""The outcome of a run the previous process never ended (killed, power cut)."""
_SCHEDULED = "scheduled"  # queued note: the newest scheduled run belongs to a start
_OPEN_RUN = ("SELECT max(id) FROM runs WHERE kind = 'run' AND show = ? AND end IS NULL")
EVENT_LINES = 40
"""Events kept for the dashboard's list (its own length): the rest is in the journal."""
_EVENT_LINE = "event-line"  # queued note: one line of the Events list


def listed(event: Event) -> bool:
    """The events the dashboard's Events list shows (static/app.js `onMessage`)."""
    if event.kind in (LOG, CUE, DEVICE):
        return True
    return event.kind == ALERT and event.data.get("status") != "sent"


class History:
    """`path` is the database file (its folder is created); times are the clock's wall
    time when the event arrived, so a FakeClock week is recorded on its own dates."""

    def __init__(self, path: Path, bus: EventBus, clock: Clock,
                 timezone: str | None = None) -> None:
        """`timezone`: the venue's, for the times in its log lines (else the machine's)."""
        self.path = Path(path)
        self._bus, self._clock = bus, clock
        self._tz = ZoneInfo(timezone) if timezone else None
        self._queue: deque[tuple[float, Event]] = deque()
        self._wake = asyncio.Event()
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()  # the writer thread or a reader, one at a time
        self._unsubscribe: Callable[[], None] | None = None
        self._writer: asyncio.Task[None] | None = None
        self.lines: deque[dict[str, Any]] = deque(maxlen=EVENT_LINES)
        """The Events list's last lines, oldest first (`Event.as_json()`), kept across
        restarts: the dashboard shows them before its own."""

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(runs)")}
        if "ended_by" not in columns:  # a history written before runs said who ended them
            self._db.execute("ALTER TABLE runs ADD COLUMN ended_by TEXT")
        self._close_interrupted()
        self._read_lines()
        self._unsubscribe = self._bus.subscribe(self._on_event)
        self._writer = asyncio.create_task(self._write_loop(), name="history-writer")

    async def stop(self) -> None:
        if self._unsubscribe:
            self._unsubscribe()
        if self._writer:
            self._writer.cancel()
            await asyncio.gather(self._writer, return_exceptions=True)
        if self._db is not None:
            self._flush()
            with self._lock:
                self._db.close()
                self._db = None

    def recent(self, limit: int = 100, since: float | None = None) -> list[dict[str, Any]]:
        """Newest first: runs, skips and misses starting at or after wall `since`."""
        db = self._connection()
        self._flush()
        with self._lock:
            rows = db.execute(
                "SELECT * FROM runs WHERE start >= ? ORDER BY start DESC, id DESC LIMIT ?",
                (since if since is not None else float("-inf"), max(0, int(limit))),
            ).fetchall()
        return [dict(zip(_COLUMNS, row, strict=True)) for row in rows]

    def decided(self, since: float) -> list[dict[str, Any]]:
        """The schedule's rows (runs, skips, misses) from wall `since` on, oldest first."""
        db = self._connection()
        self._flush()
        with self._lock:
            rows = db.execute(
                "SELECT * FROM runs WHERE by = 'schedule' AND kind != 'check' "
                "AND coalesce(scheduled, start) >= ? "
                "ORDER BY coalesce(scheduled, start), id", (since,),
            ).fetchall()
        return [dict(zip(_COLUMNS, row, strict=True)) for row in rows]

    def scheduled(self, show: str, at: float) -> None:
        """The run of `show` the schedule just started belongs to the start at wall `at`."""
        self._queue.append((self._clock.time(),
                            # a note of its own kind, never on the bus:
                            Event(_SCHEDULED, {"show": show,  # type: ignore[arg-type]
                                               "scheduled": at})))
        self._wake.set()

    def _connection(self) -> sqlite3.Connection:
        if self._db is None:
            raise RuntimeError("History is not started")
        return self._db

    def _close_interrupted(self) -> None:
        db = self._connection()
        with db:
            open_runs = db.execute(
                "SELECT show, by, start FROM runs WHERE kind = 'run' AND end IS NULL").fetchall()
            db.execute("UPDATE runs SET end = ?, outcome = ?, reason = ?, ended_by = 'restart' "
                       "WHERE kind = 'run' AND end IS NULL",
                       (self._clock.time(), INTERRUPTED,
                        "the controller stopped during it (killed, crashed or power cut)"))
        for show, by, start in open_runs:
            log.warning("history: the run of %s by %s started %s never ended (the controller "
                        "stopped during it): recorded as %s", show, by,
                        datetime.fromtimestamp(start, self._tz).astimezone(self._tz)
                        .strftime("%Y-%m-%d %H:%M:%S %Z"),
                        INTERRUPTED)

    def _read_lines(self) -> None:
        rows = self._connection().execute(
            "SELECT event FROM events ORDER BY id DESC LIMIT ?", (EVENT_LINES,)).fetchall()
        for (text,) in reversed(rows):
            try:
                line = json.loads(text)
            except ValueError:
                continue
            if isinstance(line, dict):
                self.lines.append(line)

    def _on_event(self, event: Event) -> None:
        if listed(event):
            line = event.as_json()
            self.lines.append(line)
            self._queue.append((line["wall"], Event(_EVENT_LINE, line)))  # type: ignore[arg-type]
            self._wake.set()
        moving = event.kind == STATE and event.data.get("state") == "running" \
            and event.data.get("previous") in ("prerolling", "loaded")
        if event.kind in (RUN, CHECK) or moving:
            self._queue.append((self._clock.time(), event))
            self._wake.set()

    async def _write_loop(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await asyncio.to_thread(self._flush)

    def _flush(self) -> None:
        with self._lock:
            if not self._queue or self._db is None:
                return
            with self._db:  # one transaction for the whole batch
                while self._queue:
                    try:
                        self._record(self._db, *self._queue.popleft())
                    except (sqlite3.Error, TypeError, ValueError):
                        log.exception("history: could not record a run event")

    @staticmethod
    def _record(db: sqlite3.Connection, wall: float, event: Event) -> None:
        data = event.data
        kind = data.get("event")
        show = str(data.get("show") or "")
        scheduled = _epoch(data.get("scheduled"))
        if event.kind == _EVENT_LINE:
            db.execute("INSERT INTO events (wall, event) VALUES (?, ?)",
                       (wall, json.dumps(data, separators=(",", ":"), default=str)))
            db.execute("DELETE FROM events WHERE id <= (SELECT max(id) FROM events) - ?",
                       (EVENT_LINES,))
        elif event.kind == CHECK:  # the self-check's result, its findings one per line
            findings = "\n".join(f"{f.get('device') or 'room'}: {f.get('message')}"
                                  for f in data.get("findings") or ())
            db.execute("INSERT INTO runs (kind, show, by, start, outcome, reason) "
                       "VALUES ('check', '', ?, ?, ?, ?)",
                       (data.get("by"), wall, "ready" if data.get("ready") else "not ready",
                        findings or None))
        elif event.kind == STATE:  # the preroll is over, the timeline moves: the run starts
            db.execute(f"UPDATE runs SET start = ? WHERE id = ({_OPEN_RUN})", (wall, show))
        elif event.kind == _SCHEDULED:
            db.execute(f"UPDATE runs SET scheduled = ? WHERE id = ({_OPEN_RUN} AND by = ?)",
                       (scheduled, show, "schedule"))
        elif kind == "start":
            db.execute(
                "INSERT INTO runs (kind, show, by, start, scheduled) VALUES ('run', ?, ?, ?, ?)",
                (show, data.get("by"), wall, scheduled),
            )
        elif kind == "end":
            db.execute(
                f"UPDATE runs SET end = ?, outcome = ?, reason = ?, ended_by = ? "
                f"WHERE id = ({_OPEN_RUN})",
                (wall, data.get("outcome"), data.get("reason"), data.get("ended_by"), show),
            )
        elif kind in ("skip", "miss"):
            # A restart may report the same missed start again: keep the first record.
            db.execute(
                "INSERT INTO runs (kind, show, by, start, reason, scheduled) "
                "SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS "
                "(SELECT 1 FROM runs WHERE show = ? AND scheduled = ?)",
                (kind, show, data.get("by"), wall, data.get("reason"), scheduled,
                 show, scheduled),
            )


def _epoch(value: object) -> float | None:
    """The wall seconds of an ISO datetime or a number; None when absent."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    return datetime.fromisoformat(str(value)).timestamp()
