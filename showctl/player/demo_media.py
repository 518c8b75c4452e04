"""Media for the demo (`scripts/run`): every name the venue's shows send its screens and
audio devices, made with ffmpeg's test sources once and kept in a cache directory.

One long clip per kind (a numbered test picture, a sine tone) as long as the longest
show, and every media name a symlink to it: a few MB and a few seconds, whatever the
number of names. `python -m showctl.player.demo_media --config VENUE DIR`.
"""

from __future__ import annotations

import argparse
import math
import shutil
import subprocess
import sys
from pathlib import Path

from showctl.files.loader import load_config
from showctl.player.media import BadMedia, media_path, needed_media

BASES = {
    "screen": ("picture.mp4", ["-f", "lavfi", "-i", "testsrc=size=320x180:rate=25:duration={d}",
                               "-g", "25", "-c:v", "libx264", "-preset", "ultrafast",
                               "-pix_fmt", "yuv420p"]),
    "audio": ("tone.flac", ["-f", "lavfi", "-i", "sine=frequency=220:sample_rate=48000:"
                            "duration={d}", "-c:a", "flac"]),
}


def make(venue_path: Path, out: Path) -> int:
    """Creates what is missing under `out`; returns how many names it links."""
    config = load_config(venue_path)
    seconds = math.ceil(max((s.length for s in config.shows.values()), default=60) + 30)
    out.mkdir(parents=True, exist_ok=True)
    linked = 0
    for device in config.venue.devices:
        if device.kind not in BASES:
            continue
        base_name, args = BASES[device.kind]
        base = out / f".base-{seconds}s-{base_name}"
        if not base.exists():
            partial = base.with_name(base.name + ".part" + base.suffix)
            subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y",
                            *(a.replace("{d}", str(seconds)) for a in args), str(partial)],
                           check=True, timeout=600)
            partial.rename(base)
        for name in needed_media(device, config.venue, config.shows):
            try:
                path = media_path(out, name)
            except BadMedia:
                continue
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.symlink_to(base.resolve())
            linked += 1
    return linked


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m showctl.player.demo_media")
    parser.add_argument("--config", type=Path, default=Path("config/venue.yaml"))
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    if shutil.which("ffmpeg") is None:
        print("demo media: ffmpeg not found", file=sys.stderr)
        return 1
    linked = make(args.config, args.out)
    print(f"demo media: {linked} names under {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
