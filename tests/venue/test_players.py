"""Real `showctl player`s (mpv, `--vo=null --ao=null`) on screen hosts of the room, the
controller on its own (issue 18): a player reaches its controller by address or by name
(`--controller`; the venue's `osc.listen` is `0.0.0.0` there, which on a screen PC is
the PC itself), its statuses count from its own address, and a heartbeat in a screen's
name from another host is refused."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from tests.support import file_written
from tests.venue.room import VenueRoom
from tests.venue.show import OSC_PORT, ROOT, RoomController, offline, room_venue

pytestmark = [pytest.mark.timeout(90),
              pytest.mark.skipif(not Path("/usr/bin/mpv").exists(), reason="mpv is needed")]
PLAYERS = ["screen1", "screen2", "screen3"]


def start_players(room: VenueRoom, venue: Path, tmp: Path, controller: str,
                  screens: list[str] = PLAYERS) -> list:
    media = tmp / "media"
    media.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = []
    for screen in screens:
        ipc = tmp / f"ipc-{screen}"
        with open(tmp / f"{screen}.log", "w") as log:  # the child keeps its own copy
            procs.append(room.popen(screen, [
                sys.executable, "-m", "showctl", "player", "--config", str(venue),
                "--device", screen, "--media", str(media), "--ipc-dir", str(ipc),
                *(["--controller", controller] if controller else []),
                "--mpv-arg=--vo=null", "--mpv-arg=--ao=null"],
                env=env, stdout=log, stderr=-2))
    return procs


def stop(procs: list) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(10)


def lan_venue(room: VenueRoom, tmp: Path) -> Path:
    return room_venue(room, tmp, osc={"listen": f"0.0.0.0:{OSC_PORT}",
                                      "allow": ["127.0.0.0/8", "198.18.0.0/24"]})


@pytest.mark.parametrize("by", ["address", "name"])
async def test_players_reach_their_controller_and_count_from_their_address(
        room, tmp_path: Path, by):
    venue = lan_venue(room, tmp_path)
    controller = room.address("ctl")
    if by == "name":
        controller = f"ctl.venue:{OSC_PORT}"
        for screen in PLAYERS:
            room.hosts_file(screen, {"ctl.venue": room.address("ctl")})
    async with await RoomController.launch(room, venue) as ctl:
        procs = start_players(room, venue, tmp_path, controller)
        try:
            for screen in PLAYERS:
                await ctl.wait_for(f"device {screen} online", 20)
            client = await ctl.osc_client("integrator")
            status = await client.ok("/showctl/status")
            # the six screens without a player are offline, the three with one are not
            assert offline(status) == {f"screen{n}" for n in range(4, 10)}
            assert not ctl.said("heartbeat for screen")  # none refused: their own address
        finally:
            stop(procs)
            for screen in PLAYERS:
                if by == "name":
                    room.hosts_file(screen, {})
        for screen in PLAYERS:
            said = (tmp_path / f"{screen}.log").read_text()
            assert "status to " in said and "this PC itself" not in said, said


async def test_a_player_without_controller_says_its_statuses_stay_on_the_pc(room, tmp_path):
    venue = lan_venue(room, tmp_path)  # osc.listen 0.0.0.0: on screen1, screen1 itself
    procs = start_players(room, venue, tmp_path, controller="", screens=["screen1"])
    try:
        said = await file_written(tmp_path / "screen1.log", lambda t: "playing screen1" in t)
        assert "this PC itself" in said and "--controller" in said, said
    finally:
        stop(procs)


async def test_a_heartbeat_in_a_screens_name_from_another_host_is_refused(room, tmp_path):
    venue = lan_venue(room, tmp_path)
    async with await RoomController.launch(room, venue) as ctl:
        spoofer = await ctl.osc_client("integrator")
        reply = await spoofer.ask("/showctl/heartbeat", "screen4")
        assert reply["status"] == "error", reply
        assert "refused from 198.18.0.40" in reply["data"]
        own = await ctl.osc_client("screen4")  # the screen's own host: counted
        assert await own.ok("/showctl/heartbeat", "screen4") == "screen4"
        await ctl.wait_for("device screen4 online", 5)
