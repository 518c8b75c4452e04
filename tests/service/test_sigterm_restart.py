"""A service stop or restart mid-show is never silent (issue 22, point 1): real
`showctl run` processes on one state folder, SIGTERM mid-show, then a new start. With
`on_restart: safe` the show was stopped and the new controller says where (show, time,
cue) and how to go on; with `resume` SIGTERM hands the show over and the new process
takes it back where it would be. Ctrl-C (SIGINT) always stops safely."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.osc.clients import UdpClient
from tests.service.test_sigterm import Output
from tests.support import write_config

pytestmark = pytest.mark.timeout(90)
ROOT = Path(__file__).resolve().parents[2]
SHOW = {"id": "long", "title": "Long show", "preroll": 0.1, "cues": [
    {"id": "1", "at": 0, "name": "Opening", "screens": "all", "play": {"media": "m_{screen}.mp4"}},
    {"id": "2", "at": 0.5, "name": "Storm", "screens": "all", "play": {"media": "s_{screen}.mp4"}},
    {"id": "3", "at": 600, "screens": "all", "black": {"fade": 1}}]}


async def start(venue: Path) -> tuple[asyncio.subprocess.Process, Output, UdpClient]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "showctl", "run", "--config", str(venue),
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL)
    assert proc.stderr is not None
    out = Output(proc.stderr)
    await out.wait_for("ready:")
    port = int(venue.read_text().split("listen: 127.0.0.1:")[1].split()[0])
    return proc, out, await UdpClient.open(port)


async def end(proc: asyncio.subprocess.Process, out: Output, sig: int) -> str:
    proc.send_signal(sig)
    assert proc.stderr is not None
    rest = (await asyncio.wait_for(proc.stderr.read(), 15)).decode()
    assert await asyncio.wait_for(proc.wait(), 5) == 0, rest
    return "".join(out.lines) + rest


async def play_then(tmp_path: Path, policy: str, sig: int) -> tuple[str, dict, str]:
    """Plays `long` past cue 2, ends the process with `sig`, starts a new one: the
    first one's log, the new one's status, its log up to then."""
    venue = write_config(tmp_path, screens=2, shows=[SHOW],
                         venue_extra={"on_restart": policy})
    proc, out, client = await start(venue)
    try:
        assert (await client.ask("/showctl/start", "long"))["status"] == "ok"
        await out.wait_for("cue 2 'Storm'")
        client.close()
        first = await end(proc, out, sig)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    proc, out, client = await start(venue)
    try:
        status = await client.ok("/showctl/status")
        second = await end(proc, out, signal.SIGINT)
    finally:
        client.close()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return first, status, second


async def test_sigterm_with_safe_stops_the_show_and_the_next_start_says_where(
        tmp_path: Path) -> None:
    first, status, second = await play_then(tmp_path, "safe", signal.SIGTERM)
    assert "stopping it (black, safe look)" in first
    assert status["state"] == "idle"
    restart = status["restart"]
    assert restart is not None, second
    assert restart["show"] == "long" and restart["title"] == "Long show"
    assert restart["stopped_at"]["exact"] is True
    assert restart["stopped_at"]["cue"] == {"id": "2", "name": "Storm"}
    assert 0.5 <= restart["stopped_at"]["time"] < 30
    assert "after a service stop" in restart["done"]
    assert restart["advice"] == "to go on: Load it, Seek to cue 2, then GO"
    assert "cue 2 'Storm'" in second and "Seek to cue 2" in second  # the warning line


async def test_sigterm_with_resume_hands_the_show_over(tmp_path: Path) -> None:
    first, status, second = await play_then(tmp_path, "resume", signal.SIGTERM)
    assert "handing the show over" in first and "stopping it" not in first
    assert status["state"] == "running", second
    assert status["show"]["id"] == "long" and status["current_cue"]["id"] == "2"
    restart = status["restart"]
    assert "rejoined at" in restart["done"]
    assert restart["advice"] == "nothing to do: the show goes on"


async def test_ctrl_c_always_stops_safely_even_with_resume(tmp_path: Path) -> None:
    first, status, _ = await play_then(tmp_path, "resume", signal.SIGINT)
    assert "stopping it (black, safe look)" in first
    assert status["state"] == "idle"
    assert status["restart"]["advice"] == "to go on: Load it, Seek to cue 2, then GO"
