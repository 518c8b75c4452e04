"""The drift clock's cost per tick, and a volume encoded as it leaves, against naive ways.

Each running second the timeline builds one `/showctl/player/clock` bundle per playing
player (nine screens and a sound device here), right after the previous burst, so its
cost comes out of the loop's time between cues. showctl answers "which media, where"
from the device book (what each player was told, with the cues built but not yet in
effect folded in): a few dict lookups per player. The naive way asks the plan where every
screen should be at that show time (`Plan.screen_state_at`), a walk over the cues so far:
fine for 20 cues, not for a 2,000-cue show.

A bundle carrying a `volume` is encoded as it leaves (so it holds the master volume of
that instant): its cost is inside the burst, after the prebuilt datagrams. Measured: the
time to encode one audio device's `sound` bundle (volume, play, volume) at send time,
against sending prebuilt bytes.

Run: .venv/bin/python bench/player_clock.py   (a few seconds; the figures depend on the host)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from showctl.core.devices import DeviceBook
from showctl.core.mix import Master
from showctl.core.plan import compile_plan
from showctl.core.playerclock import PlayerClock
from showctl.model import Cue, Device, Play, Show, Sound, Venue
from showctl.outputs.actions import ShowClock, Volume
from showctl.outputs.router import Router

SCREENS, TICKS = 9, 2000


def venue() -> Venue:
    devices = [Device(id=f"screen{i}", kind="screen", index=i, port=9100 + i)
               for i in range(1, SCREENS + 1)]
    devices.append(Device(id="sound", kind="audio", port=9120))
    return Venue(venue="bench", devices=tuple(devices))


def show(cues: int) -> Show:
    return Show(id="big", cues=tuple(
        Cue(id=str(n), at=n * 0.5, screens="all", play=Play(media=f"c{n}_{{screen}}.mp4"),
            sound=Sound(media=f"s{n}.wav") if n % 10 == 0 else None)
        for n in range(cues)))


def quantiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[int(len(ordered) * 0.99) - 1]
    return f"p50 {statistics.median(ordered) * 1e6:7.1f}  p99 {p99 * 1e6:7.1f} us"


def ticks(cues: int) -> tuple[list[float], list[float]]:
    room = venue()
    plan, router = compile_plan(show(cues), room), Router(room)
    book = DeviceBook(room)
    clock = PlayerClock(book, router)
    ours: list[float] = []
    naive: list[float] = []
    length = plan.cues[-1].at
    for n in range(TICKS):
        t = (n * 0.73) % length
        index = plan.index_after(t)
        book.apply(plan.cues[index - 1].actions, plan.cues[index - 1].at)
        pending = [(plan.cues[index].at, plan.cues[index].actions)] if index < len(plan.cues) \
            else []
        began = time.perf_counter()
        router.packets(clock.actions(t, t, pending), 1.0)
        ours.append(time.perf_counter() - began)
        began = time.perf_counter()
        state = plan.screen_state_at(t)
        router.packets([ShowClock(d, t, a.args[0], a.args[1]) for d, a in state.items()
                        if a is not None and a.kind == "play"], 1.0)
        naive.append(time.perf_counter() - began)
    return ours, naive


def volume_encode() -> tuple[list[float], list[float]]:
    room = venue()
    router, master = Router(room), Master(db=-6.0)
    sound = compile_plan(show(20), room).cues[0].actions
    mine = [a for a in sound if a.device == "sound"]
    prebuilt = [data for _, _, data in router.packets(master.resolve(mine), 1.0)]
    lazy: list[float] = []
    ready: list[float] = []
    for _ in range(TICKS):
        began = time.perf_counter()
        [data for _, _, data in router.packets(master.resolve(mine), 1.0)]
        lazy.append(time.perf_counter() - began)
        began = time.perf_counter()
        list(prebuilt)
        ready.append(time.perf_counter() - began)
    assert any(isinstance(a, Volume) for a in mine)
    return lazy, ready


def main() -> None:
    for cues in (20, 2000):
        ours, naive = ticks(cues)
        print(f"clock tick, {SCREENS} screens + sound, {cues:>5} cues: "
              f"showctl {quantiles(ours)}   naive {quantiles(naive)}")
    lazy, ready = volume_encode()
    print(f"sound bundle at send time: encode {quantiles(lazy)}   prebuilt {quantiles(ready)}")


if __name__ == "__main__":
    main()
