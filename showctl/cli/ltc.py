"""`showctl ltc SHOW --out FILE`: the show's LTC track, as the venue's `ltc` output says
(rate, channel), for the sound player to play from show time 0 (docs/timecode.md)."""

from __future__ import annotations

import argparse
from pathlib import Path

from showctl.errors import UserError
from showctl.files.loader import find_show, load_config
from showctl.outputs.ltc import LtcUnavailable, render, wav


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    parser = subparsers.add_parser(
        "ltc", parents=[common], help="write a show's SMPTE LTC track (a WAV)",
        description="Renders the show's LTC (libltc) from its timecode.start over its whole "
        "length, at the venue's ltc output's rate, on that output's channel of a "
        "multichannel 48 kHz WAV (the other channels silent). Played by the output's audio "
        "device from show time 0 (a `sound` cue at 0), every LTC frame boundary falls on "
        "the show clock's.")
    parser.add_argument("show", metavar="SHOW", help="show id or show file")
    parser.add_argument("--out", required=True, type=Path, help="the WAV file to write")
    parser.add_argument("--channels", type=int, default=None,
                        help="channels of the WAV (default: the LTC channel, at least 2)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load_config(args.config)
    show = find_show(config, args.show)
    outputs = [o for o in config.venue.timecode.outputs if o.kind == "ltc"]
    if not outputs:
        raise UserError(f"{config.venue.source or 'the venue'}: no `kind: ltc` output in "
                        "timecode.outputs (e.g. {kind: ltc, device: sound, channel: 8, "
                        "fps: 25})")
    output = outputs[0]
    assert output.channel is not None  # the model requires it for ltc
    channels = args.channels or max(2, output.channel)
    if channels < output.channel:
        raise UserError(f"--channels {channels}: the LTC goes on channel {output.channel}")
    try:
        samples = render(show.timecode.label, output.rate, show.length)
    except LtcUnavailable as exc:
        raise UserError(str(exc)) from None
    args.out.write_bytes(wav(samples, output.channel, channels))
    print(f"{args.out}: {show.length:g} s of LTC from {show.timecode.start} at "
          f"{output.rate.name} fps on channel {output.channel} of {channels} "
          f"(for {output.device})")
    return 0
