"""`showctl run`: the controller (engine, scheduler, OSC input, web dashboard) until
SIGTERM; `--simulate` adds simulated screens and lighting in the same process."""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import logging
import logging.handlers
import queue
import sys
from typing import TextIO

from showctl import service
from showctl.cli import UserError
from showctl.lograte import RateLimit
from showctl.logtext import EscapeControl
from showctl.logzone import FORMAT, ZoneFormatter
from showctl.sim.simulator import SIMULATED


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    parser = subparsers.add_parser(
        "run", parents=[common], help="run the controller (until SIGTERM)",
        description="Run the show controller: engine, schedule, OSC input and web "
        "dashboard. SIGTERM or Ctrl-C stops a running show safely (black, safe look) and "
        "exits 0; SIGHUP re-reads the files. Under systemd it notifies readiness and "
        "pings the watchdog (docs/service.md).")
    parser.add_argument("--simulate", nargs="?", const=",".join(SIMULATED), default=None,
                        metavar="KINDS",
                        help="also start simulated screens, audio devices and lighting "
                        "where the venue says; --simulate=lighting simulates only those "
                        "kinds (real players for the rest: scripts/run)")
    parser.add_argument("--log-format", choices=("text", "json"), default="text",
                        help="text: one readable line per event; json: one object per line")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    setup_logging(args.log_format, args.debug)
    kinds = tuple(k.strip() for k in (args.simulate or "").split(",") if k.strip())
    unknown = sorted(set(kinds) - set(SIMULATED))
    if unknown:
        raise UserError(f"--simulate: {', '.join(unknown)} cannot be simulated "
                        f"({', '.join(SIMULATED)})")
    try:
        return asyncio.run(service.run(args.config, simulate=args.simulate is not None,
                                       simulate_kinds=kinds or SIMULATED))
    finally:
        stop_logging()


class JsonLines(logging.Formatter):
    """One JSON object per line, for journald exporters and log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": round(record.created, 3), "level": record.levelname.lower(),
                "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:  # formatted already, before it crossed to the writer
            line["exception"] = record.exc_text
        return json.dumps(line)


class LineQueue(logging.handlers.QueueHandler):
    """Hands each line to the writer thread: a journal that stalls (or a full stderr
    pipe) must not hold the loop, where every cue leaves from. The message is merged
    and a traceback turned into text here (the record crosses threads); the formatting
    of the line stays the writer's."""

    targets: tuple[logging.Handler, ...] = ()

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        record = copy.copy(record)
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        return record


_listener: logging.handlers.QueueListener | None = None


def setup_logging(log_format: str, debug: bool, stream: TextIO | None = None) -> None:
    """Lines to `stream` (stderr) from a thread of their own (`LineQueue`); call
    `stop_logging` at exit, which writes what is still queued."""
    global _listener
    stop_logging()
    handler = logging.StreamHandler(stream or sys.stderr)
    if log_format == "json":
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(ZoneFormatter(FORMAT))
    lines: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    queued = LineQueue(lines)
    queued.targets = (handler,)  # service.use_zone finds the formatter there
    queued.addFilter(RateLimit())  # a flood of bad clients must not fill the journal
    queued.addFilter(EscapeControl())  # after RateLimit, which keys on the template
    _listener = logging.handlers.QueueListener(lines, handler)
    _listener.start()
    root = logging.getLogger()
    root.handlers[:] = [queued]
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for noisy in ("aiohttp.access", "apscheduler", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING if not debug else logging.DEBUG)


def stop_logging() -> None:
    """Writes the lines still queued and ends the writer thread; lines logged after
    (the exit's own) are written at once, as before `setup_logging`."""
    global _listener
    if _listener is not None:
        _listener.stop()
        root = logging.getLogger()
        root.handlers[:] = [*_listener.handlers]
        for handler in root.handlers:
            handler.addFilter(RateLimit())
            handler.addFilter(EscapeControl())
        _listener = None
