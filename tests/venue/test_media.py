"""Media sync in the venue room (issue 23): `showctl run` on the controller's host, a media
agent on each of the nine screen hosts pulling from the controller's LAN address with its
own token, `showctl media sync` and `status` run on the controller's host; every copy
checked here with hashlib against the library."""

from __future__ import annotations

import asyncio
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.venue.room import SCREENS, VenueRoom
from tests.venue.show import ROOT, WEB_PORT, RoomController, room_venue

pytestmark = pytest.mark.timeout(120)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_nine_screen_hosts_sync_over_the_lan(room: VenueRoom, tmp_path: Path) -> None:
    library = tmp_path / "library"
    library.mkdir()
    for n in range(1, 10):
        (library / f"pano_{n}.mp4").write_bytes(os.urandom(300_000 + n))
    (library / "f.mp4").write_bytes(os.urandom(120_000))
    show = {"id": "pano", "cues": [
        {"id": "1", "at": 0, "screens": "all", "play": {"media": "pano_{screen}.mp4"}},
        {"id": "2", "at": 5, "screens": "front", "play": {"media": "f.mp4"}}]}
    venue = room_venue(room, tmp_path, shows=[show],
                       web={"listen": f"{room.address('ctl')}:{WEB_PORT}"},
                       extra={"media": {"root": str(library)},
                              "groups": {"front": ["screen1", "screen9"]}})
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    async def cli(*args: str) -> subprocess.CompletedProcess[str]:
        proc = await room.spawn("ctl", [sys.executable, "-m", "showctl", "media", *args,
                                        "--config", str(venue)], env=env,
                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await asyncio.wait_for(proc.communicate(), 90)
        return subprocess.CompletedProcess(args, proc.returncode or 0, out.decode(),
                                           err.decode())

    agents = []
    async with await RoomController.launch(room, venue) as ctl:
        try:
            tokens = tmp_path / "tokens"  # as a PC with several devices keeps them
            tokens.write_text((await cli("token", *SCREENS)).stdout)
            for screen in SCREENS:
                token = tokens
                (tmp_path / screen).mkdir()
                agents.append(room.popen(screen, [
                    sys.executable, "-m", "showctl.player.mediasync", "--url",
                    f"http://{room.address('ctl')}:{WEB_PORT}", "--device", screen,
                    "--token-file", str(token), "--media", str(tmp_path / screen)],
                    env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            done = await cli("sync", "--timeout", "60")
            assert done.returncode == 0, done.stdout + done.stderr
            assert done.stdout.splitlines()[-1] == "ready"
            status = await cli("status")
            assert status.returncode == 0, status.stdout
            for n, screen in enumerate(SCREENS, 1):
                names = [f"pano_{n}.mp4"] + (["f.mp4"] if screen in ("screen1", "screen9")
                                             else [])
                for name in names:
                    assert sha256(tmp_path / screen / name) == sha256(library / name)
                assert sorted(p.name for p in (tmp_path / screen).iterdir()) == sorted(
                    [*names, ".showctl-media"])
                assert f"{screen:<10}  ready" in status.stdout
            assert not ctl.said("bad token") and not ctl.said("file rejected")
        finally:
            for agent in agents:
                agent.terminate()
            for agent in agents:
                agent.wait(10)
