"""One bad file must not darken the room (issue 10, fault 1), through the real process:
a broken draft and a show that does not fit the venue are rejected alone while
`showctl run` starts and plays the good show, SIGHUP applies the rest, `showctl simulate`
starts; a broken venue at start-up runs on the last good copy kept in `state_dir`, and
only without one does start-up fail."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.osc.clients import UdpClient, full_status
from tests.service.test_sigterm import Output
from tests.support import SMALL_SHOW, write_config

pytestmark = pytest.mark.timeout(90)
ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
DRAFT = "id: draft\ncues:\n  - {id: '1', at: 0, screens: all\n"  # the `{` never closes
MISFIT = "id: misfit\ncues:\n  - {id: '1', at: 0, screens: [12], black: {}}\n"


async def start(*args: str) -> tuple[asyncio.subprocess.Process, Output]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "showctl", *args, env=ENV, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE)
    assert proc.stderr is not None
    return proc, Output(proc.stderr)


async def end(proc: asyncio.subprocess.Process) -> int:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    try:
        return await asyncio.wait_for(proc.wait(), 10)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


def osc_port(venue: Path) -> int:
    return int(venue.read_text().split("listen: 127.0.0.1:")[1].split()[0])


async def status(venue: Path) -> dict:
    return await full_status(osc_port(venue))  # the whole one: over TCP


async def test_bad_show_files_are_rejected_alone_and_the_good_show_plays(tmp_path: Path):
    venue = write_config(tmp_path)
    shows = tmp_path / "shows"
    (shows / "draft.yaml").write_text(DRAFT)
    (shows / "misfit.yaml").write_text(MISFIT)
    proc, out = await start("run", "--simulate", "--config", str(venue))
    try:
        await out.wait_for("ready:")
        logged = "".join(out.lines)
        assert f"file rejected: {shows / 'draft.yaml'}:3:5: YAML syntax" in logged
        assert f"file rejected: {shows / 'misfit.yaml'}:3:32: screen 12 does not exist" in logged
        files = (await status(venue))["files"]
        assert files["shows"] == ["small"] and files["last_good"] == {}
        rejected = {Path(r["path"]).name: r for r in files["rejected"]}
        assert sorted(rejected) == ["draft.yaml", "misfit.yaml"]
        assert rejected["misfit.yaml"]["errors"] == [
            f"{shows / 'misfit.yaml'}:3:32: screen 12 does not exist (screens: 1-9)"]

        client = await UdpClient.open(osc_port(venue))
        assert (await client.ask("/showctl/start", "small"))["status"] == "ok"
        client.close()
        await out.wait_for("screen1 /showctl/player/play")  # the good show plays

        (shows / "misfit.yaml").write_text(MISFIT.replace("[12]", "[9]"))
        proc.send_signal(signal.SIGHUP)  # the fixed show loads, the draft stays out
        line = await out.wait_for("files reloaded")
        assert "1 file(s) rejected" in line and "schedule not reloaded" not in "".join(out.lines)
        files = (await status(venue))["files"]
        assert files["shows"] == ["misfit", "small"]
        assert [Path(r["path"]).name for r in files["rejected"]] == ["draft.yaml"]
    finally:
        assert await end(proc) == 0


async def test_simulate_starts_beside_a_bad_show(tmp_path: Path):
    venue = write_config(tmp_path)
    (tmp_path / "shows" / "draft.yaml").write_text(DRAFT)
    proc, out = await start("simulate", "--config", str(venue))
    try:
        await out.wait_for("simulating 10 devices")
    finally:
        assert await end(proc) == 0


async def test_a_broken_venue_at_start_up_runs_on_the_last_good_copy(tmp_path: Path):
    venue = write_config(tmp_path, shows=[SMALL_SHOW])
    proc, out = await start("run", "--config", str(venue))
    await out.wait_for("ready:")
    assert await end(proc) == 0
    assert (tmp_path / "var" / "last-good.json").is_file()

    good = venue.read_text()
    venue.write_text(good.replace("timezone: Europe/Paris", "timezone: Mars/Olympus"))
    proc, out = await start("run", "--config", str(venue))
    try:
        await out.wait_for("ready:")
        logged = "".join(out.lines)
        assert "unknown timezone 'Mars/Olympus'" in logged
        assert "the venue file is invalid: its last good version" in logged
        data = await status(venue)
        assert data["timezone"] == "Europe/Paris" and list(data["files"]["last_good"]) == ["venue"]
        [rejected] = data["files"]["rejected"]
        assert rejected["path"] == str(venue) and rejected["in_force"] == "last good copy"
    finally:
        assert await end(proc) == 0

    (tmp_path / "var" / "last-good.json").unlink()  # no copy: start-up fails as before
    proc, out = await start("run", "--config", str(venue))
    err = await asyncio.wait_for(out.stream.read(), 20)
    # it ends by itself: no signal (Popen.send_signal polls first, and reaping it there
    # leaves asyncio's watcher a returncode of 255)
    assert await asyncio.wait_for(proc.wait(), 20) == 1
    assert "unknown timezone 'Mars/Olympus'" in err.decode()


def test_validate_still_reports_every_bad_show_and_exits_1(tmp_path: Path):
    import subprocess

    venue = write_config(tmp_path)
    (tmp_path / "shows" / "draft.yaml").write_text(DRAFT)
    (tmp_path / "shows" / "misfit.yaml").write_text(MISFIT)
    done = subprocess.run([sys.executable, "-m", "showctl", "validate", "--config", str(venue)],
                          env=ENV, capture_output=True, text=True, timeout=30)
    assert done.returncode == 1
    assert "draft.yaml:3:5: YAML syntax" in done.stdout
    assert "misfit.yaml:3:32: screen 12" in done.stdout
