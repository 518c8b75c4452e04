"""Durable state (issue 10, fault 9): `showctl run` killed with SIGKILL at random instants
while it writes its history and state files, again and again; every time it starts
again, the history passes SQLite's integrity check and keeps every run it had, and every
state file is whole JSON."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import sqlite3
from pathlib import Path

import pytest

from showctl.osc.clients import DUPLICATE_WINDOW
from tests.osc.clients import UdpClient
from tests.service.test_bad_files import osc_port, start
from tests.support import write_config

pytestmark = pytest.mark.timeout(180)
KILLS = 5
SHOW = {"id": "blink", "title": "Blink", "preroll": 0,
        "cues": [{"id": "1", "at": 0, "screens": "all", "play": {"media": "b_{screen}.mp4"}},
                 {"id": "2", "at": 0.05, "screens": "all", "black": {"fade": 0}}]}


def history(state: Path) -> list[tuple]:
    db = sqlite3.connect(state / "history.sqlite3")
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        return db.execute("SELECT id, kind, show, start FROM runs ORDER BY id").fetchall()
    finally:
        db.close()


async def busy(port: int) -> None:
    """Runs that start and end as fast as the controller takes them: history rows and
    run-state writes all the time."""
    client = await UdpClient.open(port)
    try:
        for n in range(1000):
            for command in (("/showctl/start", "blink"), ("/showctl/stop", n * 1e-6)):
                try:  # n: never the same command twice; a reply lost to the kill is fine
                    reply = await asyncio.wait_for(client.ask(*command), 2)
                except TimeoutError:
                    return
                if "double trigger" in str(reply.get("data")):
                    # a stop with no fade ends at once now, so the next identical start
                    # meets the guard's 100 ms window of real time: that window passing
                    # is the only thing to wait for
                    await asyncio.sleep(DUPLICATE_WINDOW)
    finally:
        client.close()


async def test_kill_9_during_writes_never_breaks_the_history_or_the_state(tmp_path: Path):
    venue = write_config(tmp_path, shows=[SHOW])
    state = tmp_path / "var"
    rnd = random.Random(10)
    before: list[tuple] = []
    for _ in range(KILLS):
        proc, out = await start("run", "--simulate", "--config", str(venue))
        try:
            await out.wait_for("ready:", timeout=30)  # it always starts again
            rows = history(state)
            assert rows[:len(before)] == before  # nothing committed was lost
            drain = asyncio.ensure_future(out.stream.read())  # its log must never block it
            writer = asyncio.ensure_future(busy(osc_port(venue)))
            await asyncio.sleep(0.3 + rnd.random())  # a random instant mid-writes
            proc.send_signal(signal.SIGKILL)
            # ends once every holder of its stderr is gone: its file worker too, which a
            # worker still starting when the controller died once outlived for good
            await asyncio.wait_for(proc.wait(), 30)
            for task in (writer, drain):
                task.cancel()
            await asyncio.gather(writer, drain, return_exceptions=True)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        rows = history(state)
        assert rows[:len(before)] == before
        before = rows
        for path in state.glob("*.json"):
            json.loads(path.read_text())  # whole, never half-written
    assert len(before) > KILLS  # runs were being recorded at every kill
