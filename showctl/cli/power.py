"""`showctl power on|off|status`: the room's power sequence now, through the running
controller (so its state, events and history see it); with no controller running, `on`
and `off` run the sequence here (a technician's morning with the controller down)."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from showctl.cli.controller_link import NoController, ask
from showctl.core.clock import SystemClock
from showctl.core.events import EventBus
from showctl.core.power import PowerSequence
from showctl.files.loader import load_config
from showctl.model import Venue

WAIT = 600.0  # the controller answers once the projectors are on: allow a slow warm-up


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    parser = subparsers.add_parser(
        "power", parents=[common], help="the room's power sequence now, or its power state",
        description="on: wake-on-LAN to the PCs, projectors on (through their warm-up), then "
        "the self-check; off: black and the safe look, projectors off; status: each "
        "projector's answer. Exit 0 when every device did it, 1 when one failed.")
    parser.add_argument("action", choices=("on", "off", "status"))
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    venue = load_config(args.config).venue
    return asyncio.run(power(venue, args.action))


async def power(venue: Venue, action: str) -> int:
    sequence = PowerSequence(lambda: venue, SystemClock(), EventBus())
    if action == "status":
        answers = await sequence.projector_states()
        for answer in answers:
            print(_state_line(answer))
        if not answers:
            print("no PJLink projector in the venue")
        return 0 if all(a.get("answered") for a in answers) else 1
    try:
        body = await ask(venue, f"/showctl/power/{action}", timeout=WAIT)
        report = body["data"]
    except NoController as exc:
        print(f"{exc}: switching from here")
        done = await (sequence.on(by="cli") if action == "on"
                      else sequence.off(by="cli", safe=_nothing))
        report = done.as_json()
    for step in report["steps"]:
        print(f"{step['device']:<12} {'ok' if step['ok'] else 'FAILED':<6} {step['message']}")
    if not report["steps"]:
        print("no device to switch (no mac, no PJLink projector in the venue)")
    return 0 if report["ok"] else 1


async def _nothing() -> None:
    """Without a controller no show runs here: nothing to bring to the safe look."""


def _state_line(answer: dict[str, Any]) -> str:
    if not answer.get("answered"):
        return f"{answer['device']:<12} NO ANSWER {answer.get('error')}"
    faults = ", ".join(f"{k} {v}" for k, v in (answer.get("faults") or {}).items())
    lamp = f", lamp {answer['lamp_hours']} h" if answer.get("lamp_hours") is not None else ""
    return f"{answer['device']:<12} {answer['power']}{lamp}{', ' + faults if faults else ''}"
