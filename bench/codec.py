"""The OSC encoder: one cue's bundle for nine screens (play + the drift clock each) and one
JSON reply, with showctl.codec.osc against python-osc's builders (the encoder the outputs
used before), in the same run.

    .venv/bin/python bench/codec.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pythonosc.osc_bundle_builder import OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

from showctl.codec.osc import encode_bundle, encode_message

WALL = 1_780_000_000.25
MESSAGES = [("/showctl/player/play", (f"normandy/opening_{n}.mp4", 0.0)) for n in range(1, 10)]
MESSAGES += [("/showctl/player/clock", (12.0, f"normandy/opening_{n}.mp4", 12.0))
             for n in range(1, 10)]
REPLY = ("/showctl/reply/showctl/status", ('{"address": "/showctl/status", "status": "ok", '
                                          '"data": {"state": "running", "time": 83.512}}',))


def ours_bundle() -> bytes:
    return encode_bundle(WALL, [encode_message(a, *args) for a, args in MESSAGES])


def naive_bundle() -> bytes:
    builder = OscBundleBuilder(WALL)
    for address, args in MESSAGES:
        message = OscMessageBuilder(address=address)
        for arg in args:
            message.add_arg(arg)
        builder.add_content(message.build())
    return builder.build().dgram


def ours_reply() -> bytes:
    return encode_message(REPLY[0], *REPLY[1])


def naive_reply() -> bytes:
    message = OscMessageBuilder(address=REPLY[0])
    message.add_arg(REPLY[1][0])
    return message.build().dgram


def per_call(fn, n: int = 2000, rounds: int = 7) -> float:
    """The best of `rounds` means of one call, µs (the least disturbed by the other
    processes on the shared cores)."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        times.append((time.perf_counter() - start) / n * 1e6)
    return min(times)


def main() -> None:
    assert ours_bundle()[16:] == naive_bundle()[16:] and ours_reply() == naive_reply()
    print(f"load average {os.getloadavg()[0]:.1f} (2 shared cores)")
    for what, ours, naive in (("18-message bundle", ours_bundle, naive_bundle),
                              ("one JSON reply", ours_reply, naive_reply)):
        a, b = per_call(ours), per_call(naive)
        print(f"{what:18s} showctl.codec {a:7.1f} µs   python-osc builders {b:7.1f} µs   "
              f"x{b / a:.1f}")


if __name__ == "__main__":
    main()
