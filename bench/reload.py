"""A reload of the files during a show, with a 10,000-cue show in the library: how far it
moves the show's cues at an independent receiver (issue 10, fault 2: no cue by more
than 1 ms).

A 300-cue show (a cue every 20-40 ms on nine screens) plays in real time twice in the
same run; 2 s in, the files are reloaded, the library holding a 10,000-cue show. showctl:
the service's reader (a worker process parses; the loop only swaps). Baseline: the
files parsed on the loop (`load_config` called by the loop, as before this change).
Control: the same show with no reload, to tell the host's own noise from the reload's.
Nine receivers in a separate process stamp each datagram with the kernel's receive time
(SO_TIMESTAMPNS). Figures: error of every cue on every screen, all cues and those sent
while the reload was under way.

Run: .venv/bin/python bench/reload.py   (about 30 s; the figures depend on the host)
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.load import add_dimmers, write_show  # noqa: E402
from bench.timing import SCREENS, free_ports, make_show, receive  # noqa: E402
from showctl.core import events  # noqa: E402
from showctl.core.clock import SystemClock  # noqa: E402
from showctl.core.controller import Controller, Reader, read_here  # noqa: E402
from showctl.files.loader import load_config  # noqa: E402
from showctl.files.offloop import FileReader  # noqa: E402

RELOAD_AT = 2.0  # show seconds


def make_room(root: Path, ports: list[int]) -> Path:
    shutil.copytree(ROOT / "config", root / "config")
    (root / "shows").mkdir()
    venue = root / "config" / "venue.yaml"
    add_dimmers(venue)
    data = yaml.safe_load(venue.read_text())
    screens = [d for d in data["devices"] if d["kind"] == "screen"]
    for device, port in zip(screens, ports, strict=True):
        device.update(host="127.0.0.1", port=port, latency=0)
    data.update(state_dir=str(root / "var"), shows="../shows")
    venue.write_text(yaml.safe_dump(data, sort_keys=False))
    (root / "config" / "schedule.yaml").write_text("shows: []\n")
    write_show(root / "shows" / "big.yaml", 10_000)
    return venue


async def play(venue: Path, reader: Reader | None) -> tuple[float, float, float]:
    """Plays the bench show with a reload at RELOAD_AT; returns t0 (wall) and the reload's
    start and end (wall)."""
    show = make_show(300, (0.02, 0.04))
    config = load_config(venue)
    config.shows[show.id] = show
    controller = Controller(config, SystemClock(), reader=reader or read_here)
    done = asyncio.get_running_loop().create_future()
    controller.bus.subscribe(lambda e: e.kind == events.RUN and e.data["event"] == "end"
                             and not done.done() and done.set_result(None))
    clock = controller.clock
    start = clock.monotonic() + 1.0
    controller.start(show.id, by="bench", at=start)
    await clock.sleep_until(start + RELOAD_AT)
    began = time.time()
    if reader is not None:
        assert await controller.reload() == [], "the bench files must be valid"
        assert "big" in controller.config.shows
        controller.config.shows[show.id] = show  # the bench show is not a file
    else:
        await asyncio.sleep(3.0)  # the control: no reload, the same window
    ended = time.time()
    await asyncio.wait_for(done, show.length + 30)
    await controller.close()
    return time.time() + (start - time.monotonic()), began, ended


def figures(name: str, got, t0_wall: float, began: float, ended: float) -> None:
    show = make_show(300, (0.02, 0.04))
    at = {int(c.id): c.at for c in show.cues}
    rows = [(stamp - (t0_wall + at[cue])) * 1e3 for _, cue, stamp in got]
    during = [(stamp - (t0_wall + at[cue])) * 1e3 for _, cue, stamp in got
              if began <= t0_wall + at[cue] <= ended + 0.05]

    def line(values: list[float]) -> str:
        absolute = sorted(abs(v) for v in values)
        if not absolute:
            return "none"
        p99 = absolute[min(len(absolute) - 1, int(0.99 * len(absolute)))]
        return f"p99 {p99:8.3f} ms  max {absolute[-1]:8.3f} ms  ({len(values)} datagrams)"

    late = sum(1 for v in rows if abs(v) > 1.0)
    print(f"{name:<9} reload window {ended - began:5.2f} s; received {len(got)}/"
          f"{len(show.cues) * SCREENS}")
    print(f"{'':<9} all cues:            {line(rows)}")
    print(f"{'':<9} during the reload:   {line(during)}")
    print(f"{'':<9} datagrams off by more than 1 ms: {late}")


async def main() -> None:
    ports = free_ports(SCREENS)
    parent, child = mp.Pipe()
    proc = mp.Process(target=receive, args=(ports, child), daemon=True)
    proc.start()
    assert parent.poll(10) and parent.recv() == "ready"
    print(f"300 cues over {SCREENS} screens, 20-40 ms apart; reload at t={RELOAD_AT:g} s "
          "with a 10,000-cue show in the library; kernel receive stamps in another process")
    with tempfile.TemporaryDirectory() as tmp:
        venue = make_room(Path(tmp), ports)
        worker = FileReader()
        worker.start()
        await asyncio.sleep(2.0)  # the worker has imported showctl, as in the service
        variants: tuple[tuple[str, Reader | None], ...] = (
            ("no reload", None), ("showctl", worker), ("on loop", read_here))
        for name, reader in variants:
            t0_wall, began, ended = await play(venue, reader)
            await asyncio.sleep(0.3)
            parent.send("flush")
            assert parent.poll(10)
            figures(name, parent.recv(), t0_wall, began, ended)
        worker.close()
    parent.send("stop")
    proc.join(5)
    print("target: no cue moved by more than 1 ms. Shared VM: other engineers' work loads "
          "the host; maxima are host-bound.")


if __name__ == "__main__":
    asyncio.run(main())
