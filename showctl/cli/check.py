"""`showctl check`: the running controller's pre-show self-check now, one line per
finding (it alone knows which devices answer and what each player reports)."""

from __future__ import annotations

import argparse
import asyncio

from showctl.cli.controller_link import ask
from showctl.files.loader import load_config

WAIT = 60.0


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    parser = subparsers.add_parser(
        "check", parents=[common], help="the pre-show self-check now",
        description="Asks the running controller (over its OSC input) to check the room: "
        "devices answering, projectors on without errors, players' clocks and media. "
        "Exit 0 ready, 1 not ready.")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    venue = load_config(args.config).venue
    body = asyncio.run(ask(venue, "/showctl/check", timeout=WAIT))
    result = body["data"]
    for finding in result["findings"]:
        print(f"{finding['device'] or 'room':<12} {finding['message']}")
    print("ready" if result["ready"] else f"NOT READY: {len(result['findings'])} finding"
          f"{'s' if len(result['findings']) != 1 else ''}")
    return 0 if result["ready"] else 1
