"""`showctl play SHOW [--from TIME]`: one show in the foreground with a progress line.

Exit 0 when the show completes; Ctrl-C or SIGTERM stops it safely (screens black, the
venue's safe look) and exits 1; a second Ctrl-C cuts to black at once (panic). At a hold
cue, Enter is GO (a line on stdin, so a script can release it too).
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import json
import logging
import os
import shutil
import signal
import stat
import sys
from typing import Any, TextIO

from showctl.cli import UserError
from showctl.codec.osc import PacketError, decode, encode_message
from showctl.core import events
from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import Config, find_show, load_config
from showctl.model import Show, Venue
from showctl.service import start_realtime
from showctl.timecode import TimeFormatError, format_time, parse_time

REFRESH = 0.2


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    parser = subparsers.add_parser(
        "play", parents=[common], help="play one show in the foreground",
        description="Play one show once, with a progress line; no scheduler, no web. "
        "At a hold cue, press Enter to go on. Ctrl-C stops it safely (black, safe look) "
        "and exits 1.")
    parser.add_argument("show", metavar="SHOW", help="show id or show file")
    parser.add_argument("--from", dest="start", metavar="CUE|TIME",
                        help="start mid-show at this cue (a cue id wins: --from 3 is cue 3) "
                        "or show time (M:SS, H:MM:SS or seconds such as 95.5)")
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
        return f"cue:{text}"  # a cue id wins (the controller would call "3" ambiguous)
    if text.startswith("-"):
        raise UserError(f"--from {text}: a show time is never negative (0 is the start)")
    try:
        start = parse_time(text)
    except TimeFormatError as exc:
        raise UserError(f"--from: {show.id} has no cue {text!r}, and {exc}") from None
    if start > show.length:
        raise UserError(f"--from {text}: the show is only {format_time(show.length)} long")
    return start


PROBE_WAIT = 0.3
"""Seconds `play` waits for another controller to answer `/showctl/status`."""


async def another_controller(venue: Venue) -> str | None:
    """What a controller already listening at the venue's OSC input says it is doing
    (`showctl run` on this machine or the venue's): it drives the same devices, so two
    would fight over every screen. None when nothing answers."""
    host, port = venue.osc.listen
    host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[bytes] = loop.create_future()

    class Probe(asyncio.DatagramProtocol):
        def datagram_received(self, data: bytes, addr: object) -> None:
            if not answer.done():
                answer.set_result(data)

    try:
        transport, _ = await loop.create_datagram_endpoint(Probe, remote_addr=(host, port))
    except OSError:
        return None
    try:
        transport.sendto(encode_message("/showctl/status"))
        data = await asyncio.wait_for(answer, PROBE_WAIT)
    except (TimeoutError, OSError):
        return None
    finally:
        transport.close()
    try:
        reply = json.loads(decode(data)[0].args[0])
        state = reply["data"] if reply.get("status") == "ok" else None
    except (PacketError, IndexError, KeyError, TypeError, ValueError):
        state = None
    if isinstance(state, dict):
        shown = state.get("show") or {}
        return f"{state.get('state')}" + (f", {shown.get('id')}" if shown.get("id") else "")
    return "it did not say what it is doing"


async def play(config: Config, show: Show, start: float | str | None, out: TextIO) -> int:
    other = await another_controller(config.venue)
    if other is not None:
        host, port = config.venue.osc.listen
        print(f"showctl: warning: another controller answers at {host}:{port} ({other}): it "
              "drives the same devices; stop it (or hold its schedule) first", file=out,
              flush=True)
    # the venue's `realtime:` exactly as `showctl run` applies it (docs/realtime.md): the
    # loop's thread under SCHED_FIFO, memory locked, the precise sleep, said in status()
    report = start_realtime(config.venue)
    controller = Controller(config, SystemClock(precise_sleep=report.active))
    controller.realtime = report.as_json()
    finished: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    progress = Progress(controller, show, out)

    def on_event(event: events.Event) -> None:
        if event.kind == events.RUN and event.data["event"] == "end" and not finished.done():
            finished.set_result(event.data["outcome"])
        elif event.kind == events.CUE:
            progress.cue(event.data)
        elif event.kind == events.STATE and event.data["state"] == "holding":
            progress.say(f"holding at cue {progress.name}: press Enter to go on")

    def interrupt() -> None:
        if controller.state == "stopping":
            controller.panic(by="cli")
        elif controller.busy:
            progress.say("stopping safely (Ctrl-C again: cut to black now)")
            controller.stop(by="cli")

    def on_line() -> None:
        try:
            line = os.read(sys.stdin.fileno(), 1024)
        except OSError:
            line = b""
        if not line:  # end of input: no more GO from there
            loop.remove_reader(sys.stdin.fileno())
        elif controller.state == "holding":
            controller.go(by="cli")

    controller.bus.subscribe(on_event)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, interrupt)
    reading = _readable(sys.stdin)
    if reading:
        loop.add_reader(sys.stdin.fileno(), on_line)
    gc.collect()  # as `run` does: no full collection of the startup's objects mid-show
    gc.freeze()
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
        if reading:
            loop.remove_reader(sys.stdin.fileno())
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await controller.close()


def _readable(stream: TextIO) -> bool:
    """stdin can carry GO lines: a terminal or a pipe (not closed, not a regular file)."""
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return stream.isatty() or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


class Progress:
    """A line per cue (the record of what fired); on a terminal, below them, one progress
    line redrawn in place."""

    def __init__(self, controller: Controller, show: Show, out: TextIO) -> None:
        self.controller, self.show, self.out = controller, show, out
        self.live = out.isatty()
        self.name = ""

    def cue(self, data: dict[str, Any]) -> None:
        self.name = f"{data['cue']} {data['name']}".strip()
        self.say(f"{format_time(data['at'])} cue {self.name}")

    def draw(self) -> None:
        if not self.live:
            return
        status = self.controller.status()
        current = status["current_cue"]  # also right after a seek, before any cue fired
        name = f"{current['id']} {current['name'] or ''}".strip() if current else ""
        hint = "  (Enter: GO)" if status["state"] == "holding" else ""
        line = (f"{status['state']:<10} {format_time(status['time'])} / "
                f"{format_time(self.show.length)}  {name}")
        width = self._width()
        self.out.write("\r" + (line[:width - len(hint)] + hint).ljust(width))
        self.out.flush()

    def say(self, line: str) -> None:
        self.out.write(("\r" + " " * self._width() + "\r" if self.live else "") + line + "\n")
        self.out.flush()

    def _width(self) -> int:
        """One column short of the terminal: a full line would wrap on some terminals."""
        return shutil.get_terminal_size((80, 24)).columns - 1
