"""The README's first command, `scripts/run`, run as a user runs it: on a throwaway copy
of the sample venue (free loopback ports, state and the demo media cache in tmp, HOME
too), checked from outside as a user would (the dashboard, the printed login link, OSC),
a show reaching every screen, then stopped by a signal: the controller and every process
it started (players, their mpvs) are gone, by pid, and the exit is clean."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import tempfile
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from tests.osc.clients import UdpClient, full_status
from tests.procs import alive, descendants, lingering
from tests.support import free_port

pytestmark = pytest.mark.timeout(300)
ROOT = Path(__file__).resolve().parents[2]
WAIT = 60.0  # generous: ten mpvs start on two shared cores
PLAYED = ("screen", "audio")
SHORT = {"id": "short", "title": "Short", "preroll": 0.5, "cues": [
    {"id": "1", "at": 0, "name": "Start", "screens": "all",
     "play": {"media": "short/ring_{screen}.mp4"}, "sound": {"media": "short/track.flac"},
     "lights": {"cue": "house-out", "fade": 0.5}},
    {"id": "2", "at": 30, "name": "End", "screens": "all", "black": {"fade": 0.5},
     "lights": {"cue": "house-up", "fade": 0.5}}]}


def venue_copy(tmp: Path) -> tuple[Path, dict[str, Any]]:
    """config/venue.yaml as shipped, but every port free, state in tmp, one short show
    (the demo media are as long as the longest show) and an empty schedule."""
    venue = yaml.safe_load((ROOT / "config" / "venue.yaml").read_text())
    venue["osc"]["listen"] = f"127.0.0.1:{free_port()}"
    venue["web"]["listen"] = f"127.0.0.1:{free_port()}"
    venue["state_dir"] = str(tmp / "var")
    venue["shows"] = str(tmp / "shows")
    venue["schedule"] = str(tmp / "schedule.yaml")
    for device in venue["devices"]:
        device["port"] = free_port()
    (tmp / "shows").mkdir()
    (tmp / "shows" / "short.yaml").write_text(yaml.safe_dump(SHORT, sort_keys=False))
    (tmp / "schedule.yaml").write_text("shows: []\n")
    path = tmp / "venue.yaml"
    path.write_text(yaml.safe_dump(venue, sort_keys=False))
    return path, venue


class Output:
    """The script's output (stdout and stderr), line by line."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.stream, self.lines = stream, []

    async def wait_for(self, pattern: str, timeout: float = WAIT) -> re.Match[str]:
        async with asyncio.timeout(timeout):
            while True:
                raw = await self.stream.readline()
                assert raw, "scripts/run ended; output:\n" + "".join(self.lines)
                self.lines.append(raw.decode(errors="replace"))
                if found := re.search(pattern, self.lines[-1]):
                    return found

    async def rest(self) -> str:
        self.lines.append((await self.stream.read()).decode(errors="replace"))
        return "".join(self.lines)



async def status_until(client: UdpClient, done: Any, timeout: float = WAIT) -> dict:
    """`/showctl/status` once `done(status)` holds, asked again after each event the
    controller pushes (the client is subscribed to its events and to its position push,
    five times a second: what a player confirms is not pushed over OSC), never on a
    timer of ours."""
    async with asyncio.timeout(timeout):
        while True:
            status = await full_status(client.target[1])  # whole: TCP
            if done(status):
                return status
            while not (await client.next(timeout=timeout))[0].startswith("/showctl/event/"):
                pass


async def run_script(tmp_path: Path, *, real: bool, stop: str) -> None:
    venue_path, venue = venue_copy(tmp_path)
    played = {d["id"] for d in venue["devices"] if d["kind"] in PLAYED}
    screens = {d["id"] for d in venue["devices"] if d["kind"] == "screen"}
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if k not in ("SHOWCTL_SIMULATE", "NOTIFY_SOCKET", "WATCHDOG_USEC")}
    # the players' mpv sockets: a short path (a Unix socket's is at most 107 bytes,
    # whatever the machine's temporary folder is called)
    run_dir = tempfile.mkdtemp(prefix="showctl-run-")
    env.update(HOME=str(home), XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_RUNTIME_DIR=run_dir)
    if not real:
        env["SHOWCTL_SIMULATE"] = "1"
    proc = await asyncio.create_subprocess_exec(
        # from the venue's folder, as a user types it (--config relative to the cwd)
        str(ROOT / "scripts" / "run"), "--config", venue_path.name, cwd=venue_path.parent,
        env=env,
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT, start_new_session=True)  # as a terminal's job
    assert proc.stdout is not None
    out = Output(proc.stdout)
    tree: dict[int, tuple[str, int]] = {}
    client = await UdpClient.open(int(venue["osc"]["listen"].rsplit(":", 1)[1]))
    try:
        said = "real mpv players" if real else "simulated screens"
        await out.wait_for(f"scripts/run: .*{said}", timeout=120)  # setup, the demo media
        link = (await out.wait_for(r"Dashboard: (http://\S+)"))[1]
        web = (await out.wait_for(r"ready: .* web (http://\S+)"))[1]
        assert web == f"http://{venue['web']['listen']}"

        jar = aiohttp.CookieJar(unsafe=True)  # keeps cookies of an IP address, as browsers
        async with aiohttp.ClientSession(cookie_jar=jar) as http:  # the dashboard
            async with http.get(f"{web}/healthz") as response:
                assert response.status == 200
            async with http.get(f"{web}/api/me") as response:
                assert response.status == 401  # nobody logged in yet
            async with http.get(link) as response:  # the printed link logs this one in
                assert response.status == 200 and str(response.url) == f"{web}/"
            async with http.get(f"{web}/api/me") as response:
                assert response.status == 200 and (await response.json())["role"] == "operator"
        async with aiohttp.ClientSession() as other, other.get(link) as response:
            assert response.status == 403  # one time only

        assert (await client.ok("/showctl/subscribe", 1, timeout=WAIT))["subscribed"]
        assert (await client.ok("/showctl/subscribe/time", 1, timeout=WAIT))["subscribed"]
        status = await status_until(client, lambda s: all(
            d["online"] for d in s["devices"] if d["id"] in played))
        assert status["venue"] == venue["venue"] and status["state"] == "idle"

        assert await client.ok("/showctl/start", "short", timeout=WAIT) == "prerolling"

        def playing(status: dict) -> bool:
            return all((d["confirmed"] or {}).get("state") == "playing"
                       for d in status["devices"] if d["id"] in played)

        status = await status_until(client, playing)
        for device in status["devices"]:
            if device["id"] in screens:
                assert device["confirmed"]["media"] == f"short/ring_{device['index']}.mp4"
        tree = descendants(proc.pid)
        mpvs = [pid for pid, (comm, _) in tree.items() if comm == "mpv"]
        assert len(mpvs) == (len(played) if real else 0), tree
        if real:  # the players measure the controller's clock (from its `clock` bundles,
            # once a second): the simulator claims no such figure
            await status_until(client, lambda s: all(
                (d["confirmed"] or {}).get("clock_offset_ms") is not None
                for d in s["devices"] if d["id"] in played))
        if stop == "ctrl-c":
            os.killpg(proc.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
        else:
            proc.send_signal(signal.SIGTERM)  # `kill PID`: the script alone gets it
        assert await asyncio.wait_for(proc.wait(), WAIT) == 0, await out.rest()
        log = await out.rest()
        left = await lingering(tree)
        assert not left, f"left running: {left}\n{log}"
        assert "shutting down during running" in log and "Traceback" not in log, log
    finally:
        client.close()
        if proc.returncode is None:  # failed midway: nothing may outlive the test
            tree.update(descendants(proc.pid))
            os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
        for pid, (_comm, start) in tree.items():  # the mpvs have sessions of their own
            if alive(pid, start):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(run_dir, ignore_errors=True)


@pytest.mark.skipif(shutil.which("mpv") is None or shutil.which("ffmpeg") is None,
                    reason="real players need Debian's mpv and ffmpeg (scripts/system-deps)")
async def test_scripts_run_with_real_players_then_sigterm(tmp_path: Path) -> None:
    await run_script(tmp_path, real=True, stop="sigterm")


async def test_scripts_run_simulated_then_ctrl_c(tmp_path: Path) -> None:
    await run_script(tmp_path, real=False, stop="ctrl-c")

