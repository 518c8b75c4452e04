"""How long a 10,000-cue show takes to validate and load (target: under 1 s).

Generates the show next to a copy of the sample venue in a temporary folder, then
times `load_config` (YAML with positions, shape checks, cross-checks against the venue,
the schedule) against a naive baseline in the same run: `yaml.safe_load` (PyYAML's
pure-Python loader, and its libyaml loader) plus `Show.model_validate`, which has no
positions, no duplicate-key check and no cross-checks. Run: .venv/bin/python bench/load.py
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from showctl.files.loader import InvalidFiles, load_config  # noqa: E402
from showctl.model import Show  # noqa: E402
from showctl.timecode import format_time  # noqa: E402

CUES = 10_000
RUNS = 5


def write_show(path: Path, cues: int) -> None:
    lines = ["id: big", "title: Ten thousand cues", "preroll: 2", "cues:"]
    groups = ["all", "front", "back", "[1, 2, 3]", "[left, right]"]
    for n in range(cues):
        at = format_time(n * 0.5)
        lines += [f'  - id: "{n + 1}"', f'    at: "{at}"', f"    name: Cue number {n + 1}"]
        if n % 3 == 0:
            lines += [f"    screens: {groups[n % 5]}",
                      f'    play: {{media: "big/clip-{n}_{{screen}}.mp4", from: 0}}']
        elif n % 3 == 1:
            lines += [f"    lights: {{cue: look-{n}, fade: 1.5}}"]
        else:
            lines += ["    levels: {channels: {1: 255, 2: 128}, fade: 0.5, device: dimmers}"]
    path.write_text("\n".join(lines) + "\n")


def add_dimmers(venue: Path) -> None:
    """A DMX device (OLA profile) for the show's `levels` cues."""
    text = venue.read_text()
    anchor = "\ngroups:"
    dimmers = "  - {id: dimmers, kind: lighting, port: 7770, profile: ola, universe: 1}\n"
    venue.write_text(text.replace(anchor, dimmers + anchor, 1))


def timed(fn) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copytree(ROOT / "config", root / "config")
        shutil.copytree(ROOT / "shows", root / "shows")
        add_dimmers(root / "config" / "venue.yaml")
        show_path = root / "shows" / "big.yaml"
        write_show(show_path, CUES)
        size = show_path.stat().st_size
        try:
            config = load_config(root / "config" / "venue.yaml")
        except InvalidFiles as exc:
            print("\n".join(exc.lines[:5]), f"... {len(exc.lines)} errors", sep="\n")
            return 2
        assert len(config.shows["big"].cues) == CUES

        ours = timed(lambda: load_config(root / "config" / "venue.yaml"))
        text = show_path.read_text()
        naive = timed(lambda: Show.model_validate(yaml.safe_load(text)))
        naive_c = timed(lambda: Show.model_validate(yaml.load(text, Loader=yaml.CSafeLoader)))

    print(f"show: {CUES} cues, {size / 1e6:.1f} MB of YAML; median of {RUNS} runs")
    print(f"showctl load_config (validate + load, positions, cross-checks): {ours * 1000:7.0f} ms")
    print(f"naive yaml.safe_load + Show.model_validate (no positions):   {naive * 1000:7.0f} ms")
    print(f"same with PyYAML's C loader (YAML 1.1, no positions):        {naive_c * 1000:7.0f} ms")
    verdict = "OK" if ours < 1.0 else "TOO SLOW"
    print(f"target under 1000 ms: {verdict}")
    return 0 if ours < 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
