"""`showctl play SHOW [--from TIME]`: one show in the foreground with a progress line.

Exit 0 when the show completes; Ctrl-C or SIGTERM stops it safely (screens black, the
venue's safe look) and exits 1; a second Ctrl-C cuts to black at once (panic).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import logging
import signal
import sys
from typing import TextIO

from showctl.cli import UserError
from showctl.core import events
from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import Config, find_show, load_config
from showctl.model import Show
from showctl.timecode import TimeFormatError, format_time, parse_time

REFRESH = 0.2


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "play", parents=[common], help="play one show in the foreground",
        description="Play one show once, with a progress line; no scheduler, no web. "
        "Ctrl-C stops it safely (black, safe look) and exits 1.")
    parser.add_argument("show", metavar="SHOW", help="show id or show file")
    parser.add_argument("--from", dest="start", metavar="TIME",
                        help="start mid-show at this show time or cue id")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if not args.debug:  # the progress line tells what the controller's info lines would
        logging.getLogger("showctl").setLevel(logging.WARNING)
    config = load_config(args.config)
    show = find_show(config, args.show)
    config = dataclasses.replace(config, shows={**config.shows, show.id: show})
    start = _start(show, args.start)
    return asyncio.run(play(config, show, start, sys.stderr))


def _start(show: Show, text: str | None) -> float | str | None:
    if text is None:
        return None
    if any(cue.id == text for cue in show.cues):
        return text
    try:
        start = parse_time(text)
    except TimeFormatError as exc:
        raise UserError(f"--from: {exc}") from None
    if start > show.length:
        raise UserError(f"--from {text}: the show is only {format_time(show.length)} long")
    return start


async def play(config: Config, show: Show, start: float | str | None, out: TextIO) -> int:
    controller = Controller(config, SystemClock())
    finished: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    progress = Progress(controller, show, out)

    def on_event(event: events.Event) -> None:
        if event.kind == events.RUN and event.data["event"] == "end" and not finished.done():
            finished.set_result(event.data["outcome"])
        elif event.kind == events.CUE:
            progress.cue(event.data)

    def interrupt() -> None:
        if controller.state == "stopping":
            controller.panic(by="cli")
        elif controller.busy:
            progress.say("stopping safely (Ctrl-C again: cut to black now)")
            controller.stop(by="cli")

    controller.bus.subscribe(on_event)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, interrupt)
    try:
        controller.load(show.id, by="cli")
        if start is not None:
            controller.seek(start, by="cli")
        controller.go(by="cli")
        while not finished.done():
            progress.draw()
            await asyncio.wait({finished}, timeout=REFRESH)
        outcome = finished.result()
        progress.say(f"{show.id}: {outcome}")
        return 0 if outcome == "completed" else 1
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await controller.close()


class Progress:
    """On a terminal one line redrawn in place; otherwise one line per cue (logs)."""

    def __init__(self, controller: Controller, show: Show, out: TextIO) -> None:
        self.controller, self.show, self.out = controller, show, out
        self.live = out.isatty()
        self.name = ""

    def cue(self, data: dict) -> None:
        self.name = f"{data['cue']} {data['name']}".strip()
        if not self.live:
            self.say(f"{format_time(data['at'])} cue {self.name}")

    def draw(self) -> None:
        if not self.live:
            return
        status = self.controller.status()
        line = (f"{status['state']:<10} {format_time(status['time'])} / "
                f"{format_time(self.show.length)}  {self.name}")
        self.out.write("\r" + line[:100].ljust(100))
        self.out.flush()

    def say(self, line: str) -> None:
        self.out.write(("\r" + " " * 100 + "\r" if self.live else "") + line + "\n")
        self.out.flush()
