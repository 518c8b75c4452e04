"""`showctl` console script: one module per command, each with `register(subparsers)`.

Errors reach the user as one line on stderr; a traceback only with `--debug`.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from showctl.errors import CommandError, UserError
from showctl.logtext import EscapeControl

__all__ = ["UserError", "build_parser", "main"]

COMMANDS = ("validate", "cues", "play", "run", "simulate", "player", "schedule", "schema",
            "passwd", "power", "check", "media", "standby", "ltc")


DEFAULTS = {"config": "config/venue.yaml", "debug": False}


def _add_common(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS: an option given before the command must survive the command's own parser.
    parser.add_argument(
        "--config", default=argparse.SUPPRESS, help="venue file (default: config/venue.yaml)"
    )
    parser.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS,
        help="show tracebacks and debug logs",
    )


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    _add_common(common)
    parser = argparse.ArgumentParser(
        prog="showctl", description="Headless show controller for immersive rooms."
    )
    _add_common(parser)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"showctl.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"showctl.cli.{name}":
                raise
            continue  # command not built yet
        module.register(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    for name, value in DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, value)
    logging.basicConfig(  # the same readable lines as `showctl run` (which may pick JSON)
        level=logging.DEBUG if args.debug else logging.INFO,
        format="%(asctime)s.%(msecs)03d %(levelname)-7s %(message)s", datefmt="%H:%M:%S",
    )
    for handler in logging.getLogger().handlers:  # what came in never forges a line
        handler.addFilter(EscapeControl())
    try:
        return int(args.handler(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `showctl cues ... | head`: the reader has all it wanted. Exit quietly, as cat
        # does; stdout goes to /dev/null so the interpreter's last flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, what a shell reports for a writer cut off by a pipe
    except (UserError, CommandError) as exc:
        if args.debug:
            raise
        print(f"showctl: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", 1)
    except Exception as exc:
        if args.debug:
            raise
        print(f"showctl: internal error: {exc} (run with --debug for details)", file=sys.stderr)
        return 2
