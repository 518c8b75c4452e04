"""A player killed outright (SIGKILL, the out-of-memory killer) takes its mpvs with it:
systemd restarts the player, which must not find its screen held by an orphan."""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

import pytest

from tests.player.conftest import make_venue, needs_mpv
from tests.procs import descendants, lingering

pytestmark = [needs_mpv, pytest.mark.timeout(60)]
ROOT = Path(__file__).resolve().parents[2]


async def test_a_killed_player_leaves_no_mpv_behind(tmp_path: Path) -> None:
    venue = make_venue(tmp_path)
    (tmp_path / "media").mkdir()
    with tempfile.TemporaryDirectory(prefix="showctl-") as ipc:  # a short socket path
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "showctl", "player", "--config", str(venue),
            "--device", "screen1", "--device", "sound", "--media", str(tmp_path / "media"),
            "--ipc-dir", ipc, "--mpv-arg=--vo=null", "--mpv-arg=--ao=null",
            env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE)
        assert proc.stderr is not None
        try:
            async with asyncio.timeout(30):  # said once every mpv answers on its socket
                while not (line := await proc.stderr.readline()).startswith(b"playing "):
                    assert line, "the player ended"
            mpvs = {pid: seen for pid, seen in descendants(proc.pid).items()
                    if seen[0] == "mpv"}
            assert len(mpvs) == 2, descendants(proc.pid)
            proc.kill()
            await proc.wait()
            assert await lingering(mpvs, grace=10) == {}
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
