"""`showctl player` under a packet flood (issue 21): its warnings are rate-limited and a
packet's text never forges a log line nor reaches the terminal as control characters."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import sys
from pathlib import Path

import pytest

from showctl.codec.osc import encode_message
from showctl.files.loader import load_config
from tests.player.conftest import make_venue, needs_mpv

pytestmark = [needs_mpv, pytest.mark.timeout(60)]
ROOT = Path(__file__).resolve().parents[2]
FORGED = "/showctl/player/x\n00:00:00.000 ERROR forged line\x1b[2J\u202e"


async def test_a_flood_of_bad_packets_writes_a_few_escaped_lines(tmp_path):
    venue = make_venue(tmp_path)
    (tmp_path / "media").mkdir()
    device = load_config(venue).venue.device("screen1")
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "showctl", "player", "--config", str(venue), "--device",
        "screen1", "--media", str(tmp_path / "media"), "--ipc-dir", str(tmp_path / "ipc"),
        "--mpv-arg=--vo=null", "--mpv-arg=--ao=null", cwd="/",
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=asyncio.subprocess.PIPE)
    assert proc.stderr is not None
    try:
        while b"playing screen1" not in (line := await asyncio.wait_for(
                proc.stderr.readline(), 20)):
            assert line, "the player did not start"
        rng = random.Random(21)
        out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            for n in range(3000):
                if n % 3 == 0:
                    data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
                elif n % 3 == 1:
                    data = encode_message(FORGED, "a\u202eb")
                else:
                    data = encode_message("/showctl/player/seek", "not a number")
                out.sendto(data, (device.host, device.port))
                if n % 100 == 99:
                    await asyncio.sleep(0.005)  # a flood, not a burst the buffer drops
        finally:
            out.close()
        proc.send_signal(signal.SIGTERM)
        rest = (await asyncio.wait_for(proc.stderr.read(), 20)).decode()
        assert await proc.wait() == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    lines = rest.splitlines()
    assert len(lines) < 60, f"{len(lines)} lines for 3000 bad packets"
    assert "suppressed" in rest or len(lines) < 30
    assert not any(line.startswith("00:00:00.000 ERROR forged") for line in lines)
    assert "\x1b" not in rest and "\u202e" not in rest
    assert "\\n00:00:00.000 ERROR forged line\\x1b[2J\\u202e" in rest
