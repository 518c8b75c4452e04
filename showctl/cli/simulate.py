"""`showctl simulate`: simulated screens and lighting where the venue says, printing one
line per command received, until SIGTERM or Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time

from showctl.cli import UserError
from showctl.files.lastgood import load_with_last_good
from showctl.model import Venue
from showctl.sim import Simulator


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    parser = subparsers.add_parser(
        "simulate", parents=[common], help="simulated screens, sound and lighting",
        description="Listen where the venue's screens, audio devices and lighting should be, "
        "act on each command at its bundle timetag, print one line per command (a drift "
        "clock only when it moved a player), and every second send /showctl/player/status "
        "for each player and /showctl/heartbeat for the lighting to the controller.")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load_with_last_good(args.config)  # a bad show changes nothing here
    return asyncio.run(simulate(config.venue))


def _print(device: str, line: str) -> None:
    stamp = time.strftime("%H:%M:%S") + f".{int(time.time() * 1000) % 1000:03d}"
    print(f"{stamp} {device:<10} {line}", flush=True)


async def simulate(venue: Venue) -> int:
    sim = Simulator(venue, venue.osc.listen, report=_print)
    try:
        await sim.start()
    except OSError as exc:
        raise UserError(str(exc)) from None
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"simulating {len(sim.devices)} devices of {venue.venue}; heartbeats to "
          f"{venue.osc.listen[0]}:{venue.osc.listen[1]}", file=sys.stderr, flush=True)
    try:
        await stop.wait()
    finally:
        await sim.stop()
    return 0
