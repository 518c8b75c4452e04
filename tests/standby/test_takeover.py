"""Takeover in the venue room (issue 25): two `showctl run`s on their own hosts, a real
keepalived in each controller's namespace (VRRPv3, 0.3 s adverts, unicast, inside the
room only), real players on three screens (mpv, `--vo=null`), recording sockets on the
other six screens and on the lighting desk. The active controller is killed (SIGKILL),
frozen (SIGSTOP) or cut off (its link down), or a planned `showctl standby promote` is
made on the standby one; measured from outside:

* the takeover: from the failure to the first datagram from the new active controller
  (target <= 3 s; a promote <= 1 s),
* the players: their positions through mpv's IPC stay on the show's line (no stop, no
  jump, never idle),
* the cues after the takeover: their timetags are the instants planned on the first
  controller's anchor (+-1 ms), none lost, none twice.

The figures print with the machine's load (docs/benchmarks.md)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import statistics
import sys
import time
from pathlib import Path

import pytest

from tests.standby.netpair import CUE_EVERY, FPS, HOSTS_PAIR, VIP, NetPair
from tests.venue.room import room_fixture
from tests.venue.show import OSC_PORT, ROOT

pytestmark = [pytest.mark.timeout(150),
              pytest.mark.skipif(not Path("/usr/bin/mpv").exists(), reason="mpv is needed"),
              pytest.mark.skipif(not Path("/usr/sbin/keepalived").exists(),
                                 reason="keepalived is needed (scripts/system-deps)")]
room = room_fixture("module", hosts=HOSTS_PAIR)
PLAYERS = ["screen1", "screen2", "screen3"]
FAIL_AT = 5.0  # show time of the failure
WATCH_UNTIL = 17.0  # show time the measures end
FRAME = 1 / FPS


async def fail(pair: NetPair, how: str) -> float:
    """Makes the active controller fail; the wall instant it did."""
    assert pair.a is not None
    at = time.time()
    if how == "kill":
        pair.a.proc.send_signal(signal.SIGKILL)
    elif how == "stop":
        os.kill(pair.a.proc.pid, signal.SIGSTOP)
    elif how == "link":
        pair.room.link_down("ctl")
    elif how == "promote":
        done = await asyncio.to_thread(
            pair.room.exec, "ctlb", [sys.executable, "-m", "showctl", "standby", "promote",
                                     "--config", str(pair.venues[1])],
            check=False, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
        assert done.returncode == 0, done.stdout + done.stderr
        print(f"\n[promote] showctl standby promote: {done.stdout.strip()}")
        switched = float(done.stdout.split("after ")[1].split(" ms")[0]) / 1e3
        assert switched <= 1.0, done.stdout
    return at


async def until_wall(wall: float) -> None:
    await asyncio.sleep(max(0.0, wall - time.time()))  # the show's own instants


@pytest.mark.parametrize("how", ["kill", "stop", "link", "promote"])
async def test_the_standby_takes_over_without_a_dark_frame(room, tmp_path, how):
    pair = await NetPair.start(room, tmp_path, PLAYERS)
    try:
        client = await pair.a.osc_client("integrator", to=VIP, port=OSC_PORT)
        await client.ok("/showctl/start", "takeover")
        await asyncio.sleep(2.0)  # preroll, then the first play
        t0 = pair.t0_wall()
        await until_wall(t0 + FAIL_AT)
        failed = await fail(pair, how)
        await pair.b.wait_for("is now the active controller", 10)
        await until_wall(t0 + WATCH_UNTIL)
        await measure(pair, how, t0, failed)
        if how == "link":
            await healed(pair)
    finally:
        if how == "link":
            room.link_up("ctl")
        await pair.close()


async def healed(pair: NetPair) -> None:
    """The cable back: both think they are active; the older epoch yields (no split
    brain), and from then on only one controller sends."""
    pair.room.link_up("ctl")
    await pair.a.wait_for("is now the standby controller", 15)
    yielded = time.time()
    await asyncio.sleep(3.0)  # the room goes on; whatever keepalived settles meanwhile
    roles = {}
    for host, venue in (("ctl", pair.venues[0]), ("ctlb", pair.venues[1])):
        done = await asyncio.to_thread(
            pair.room.exec, host, [sys.executable, "-m", "showctl", "standby", "status",
                                   "--json", "--config", str(venue)],
            check=False, env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        roles[host] = json.loads(done.stdout)["role"]
    old = pair.room.address("ctl")
    late = [w for r in pair.recorders.values() for w, src, _ in r.got
            if src == old and w > yielded + 0.5]
    print(f"[link] healed: {roles}; datagrams from the yielded controller after it "
          f"yielded: {len(late)}")
    assert sorted(roles.values()) == ["active", "standby"], roles
    assert not late


async def measure(pair: NetPair, how: str, t0: float, failed: float) -> None:
    new = pair.room.address("ctlb")
    first = pair.first_from(new, failed - 0.5 if how == "promote" else failed)
    assert first is not None, "nothing from the new active controller"
    takeover = first - failed
    gap = pair.largest_gap("screen5", t0 + 1.0, t0 + WATCH_UNTIL)
    cues = pair.lights()
    after = [c for c in cues if c[1] == new and c[2] is not None and c[2] > first + 0.05]
    errors = [c[2] - (t0 + int(c[3].split("-")[1]) * CUE_EVERY) for c in after]
    old = pair.room.address("ctl")
    before = [c[2] - (t0 + int(c[3].split("-")[1]) * CUE_EVERY) for c in cues
              if c[1] == old and c[2] is not None and c[2] < failed]
    planned = {f"look-{n}" for n in range(1, 40) if t0 + n * CUE_EVERY < t0 + WATCH_UNTIL}
    got = [c[3] for c in cues if c[2] is not None]
    positions = {screen: w.errors(t0, t0 + 2.0, t0 + WATCH_UNTIL)
                 for screen, w in pair.watches.items()}
    worst = {s: max(map(abs, e), default=None) for s, e in positions.items()}
    baseline = {s: max(map(abs, w.errors(t0, t0 + 2.0, failed)), default=0.0)
                for s, w in pair.watches.items()}
    buckets = {s: [abs(statistics.median(w.errors(t0, t0 + b, t0 + b + 1.0) or [0.0]))
                   for b in range(2, int(WATCH_UNTIL))] for s, w in pair.watches.items()}
    # Each second's median error: a sample is stamped when this test's loop reads it, so
    # on a loaded machine a late read shows as an error on every player at once; a stop
    # or a jump moves the median for seconds.
    stops = {s: [c for c in w.changes if c[0] > t0 + 1.0 and (
        (c[1] == "pause" and c[2]) or (c[1] == "idle-active" and c[2])
        or (c[1] == "vo-configured" and not c[2]))]
        for s, w in pair.watches.items()}
    shown = ", ".join(f"{s} {v * 1e3:.0f} ms" for s, v in worst.items() if v is not None)
    print(f"\n[{how}] takeover {takeover * 1e3:.0f} ms (failure -> first datagram from "
          f"{new}); cue errors before {', '.join(f'{e * 1e3:+.3f}' for e in before)} ms; "
          f"largest datagram gap at screen5 {gap * 1e3:.0f} ms; cue errors after "
          f"takeover {', '.join(f'{e * 1e3:+.3f}' for e in errors)} ms; players' worst "
          f"position error {shown} (before the failure: "
          f"{', '.join(f'{v * 1e3:.0f}' for v in baseline.values())} ms; worst "
          f"median of a second {', '.join(f'{max(b) * 1e3:.0f}' for b in buckets.values())}"
          f" ms); load {Path('/proc/loadavg').read_text().strip()}")
    limit = 3.0  # (a promote: from the command typed, its Python start-up included)
    assert takeover <= limit, f"takeover {takeover:.3f} s"
    assert gap <= 1.1 + (0 if how == "promote" else takeover), f"datagram gap {gap:.3f} s"
    assert errors and all(abs(e) <= 0.001 for e in errors), errors
    missing = planned - set(got)
    late = [c for c in missing if t0 + int(c.split("-")[1]) * CUE_EVERY > first]
    assert not late, f"cues after the takeover never came: {late}"
    twice = {c for c in got if got.count(c) > 2}  # the look caught up once at takeover
    assert not twice, twice
    for screen in PLAYERS:
        assert not stops[screen], f"{screen} stopped or went dark: {stops[screen]}"
        assert worst[screen] is not None, f"{screen}: no position sampled"
        assert max(buckets[screen]) <= 2 * FRAME, \
            f"{screen} off its line: each second's median {buckets[screen]}"
