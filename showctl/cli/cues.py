"""`showctl cues SHOW`: the cue sheet, with the exact OSC each device will get."""

from __future__ import annotations

import argparse
from typing import Any

from showctl.core.sheet import clocked_players, cue_sheet, delivery
from showctl.files.loader import find_show, load_config
from showctl.timecode import format_time


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    parser = subparsers.add_parser(
        "cues", parents=[common], help="print a show's cue sheet with the OSC each device gets",
        description="The cue sheet: absolute time, cue, devices and the OSC each device gets "
        "(bundled per device and timetagged with the cue's instant for devices that honour "
        "timetags, plain messages at the instant for the others: the list of devices at the "
        "top says which). While running or holding, each screen and audio device that plays "
        "gets /showctl/player/clock (show time, media, position) once a second; sound levels "
        "include the venue's master volume.")
    parser.add_argument("show", metavar="SHOW", help="show id or show file")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    show = find_show(config, args.show)
    title = f"{show.id}: {show.title}" if show.title else show.id
    print(f"{title}  (length {format_time(show.length)}, preroll {show.preroll:g} s)")
    rows = delivery(config.venue)
    widths = [max(len(r[i]) for r in rows) for i in range(2)] if rows else [0, 0]
    print("devices:")
    for device, profile, how in rows:
        print(f"  {device.ljust(widths[0])}  {profile.ljust(widths[1])}  {how}")
    print(render(cue_sheet(show, config.venue)))
    clocked = clocked_players(config.venue)
    if clocked:
        print(f"\nwhile running or holding, once a second to each of {', '.join(clocked)} "
              "that plays: /showctl/player/clock <show time> <media> <position>")
    return 0


def render(rows: list[dict[str, Any]]) -> str:
    table = [("TIME", "CUE", "NAME", "DEVICE", "OSC")]
    previous = None
    for row in rows:
        key = (row["time"], row["cue"])
        first = key != previous
        previous = key
        name = row["name"] + ("  [hold]" if row["hold"] else "")
        for n, osc in enumerate(row["osc"] or [""]):
            lead = first and n == 0
            table.append((row["time"] if lead else "", row["cue"] if lead else "",
                          name if lead else "", row["device"] if n == 0 else "", osc))
    widths = [max(len(r[i]) for r in table) for i in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(r[:4], widths, strict=True)) + "  " + r[4]
        for r in table).rstrip()
