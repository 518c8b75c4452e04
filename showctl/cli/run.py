"""`showctl run`: the controller (engine, scheduler, OSC input, web dashboard) until
SIGTERM; `--simulate` adds simulated screens and lighting in the same process."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys

from showctl import service
from showctl.cli import UserError
from showctl.lograte import RateLimit
from showctl.sim.simulator import SIMULATED


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
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
    return asyncio.run(service.run(args.config, simulate=args.simulate is not None,
                                   simulate_kinds=kinds or SIMULATED))


class JsonLines(logging.Formatter):
    """One JSON object per line, for journald exporters and log shippers."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": round(record.created, 3), "level": record.levelname.lower(),
                "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line)


def setup_logging(log_format: str, debug: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RateLimit())  # a flood of bad clients must not fill the journal
    if log_format == "json":
        handler.setFormatter(JsonLines())
    else:
        handler.setFormatter(service.ZoneFormatter("%(asctime)s %(levelname)-7s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    for noisy in ("aiohttp.access", "apscheduler", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING if not debug else logging.DEBUG)
