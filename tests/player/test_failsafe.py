"""The player fails safe and guards itself (issue 21), on real mpv: no controller → black
(or the safe image) and back with the clocks; mpv restarts with a short back-off and says
`restarting`; positions outside the media are refused or clamped; only the controller's
address commands it; pending bundles are capped and their horizon bounded."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from showctl.files.loader import load_config
from showctl.player.app import Player
from tests.player.conftest import CLIP_SECONDS, SHOW, Room, loaded, make_venue, needs_mpv
from tests.support import free_port

pytestmark = [needs_mpv, pytest.mark.timeout(60)]
GRACE = 1.5


@pytest.fixture
async def guarded(tmp_path, clips):
    """The conftest's room with a short fail-safe, a safe image and small caps."""
    path = make_venue(tmp_path, [SHOW])
    data = yaml.safe_load(path.read_text())
    data["player"] = {"failsafe_after": GRACE, "failsafe_fade": 0.2,
                      "safe_image": "safe.png", "max_pending": 50, "horizon": 120}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    config = load_config(path)
    media = tmp_path / "media"
    media.mkdir()
    for clip in clips.iterdir():
        (media / clip.name).symlink_to(clip)
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "color=c=blue:size=160x90", "-frames:v", "1", str(media / "safe.png")],
                   check=True, timeout=60)
    status_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    status_sock.bind(config.venue.osc.listen)
    status_sock.setblocking(False)
    ipc_dir = Path(f"/tmp/showctl-test-{free_port()}")
    player = Player(config, ["screen1", "screen2"], media=media, ipc_dir=ipc_dir,
                    mpv_args=["--vo=null", "--ao=null"])
    await player.start()
    room = Room(player, status_sock)
    try:
        yield room
    finally:
        await room.close()
        await player.stop()
        status_sock.close()
        shutil.rmtree(ipc_dir, ignore_errors=True)


async def _playing(room, device="screen1", position=2.0):
    watcher = await room.watch(device)
    room.send(device, None, ("/showctl/player/load", "clip.mp4", position))
    await watcher.until(loaded(watcher, position))
    at = time.time() + 0.2
    room.send(device, at, ("/showctl/player/play", "clip.mp4", position))
    return watcher, at


async def _status_until(room, device, check, timeout=8.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = await room.status(device)
        if check(status):
            return status
    raise AssertionError(f"{device}: never {check}; last {status}")


async def test_no_controller_fades_to_the_safe_image_and_the_clocks_bring_it_back(guarded):
    room = guarded
    watcher, at = await _playing(room)
    for _ in range(3):  # the controller's clocks, then it vanishes (kill -9)
        room.clock("screen1", "clip.mp4", 2.0 + time.time() - at)
        gone = time.time()
        await asyncio.sleep(0.2)
    status = await _status_until(room, "screen1", lambda s: s.failsafe is not None)
    assert GRACE <= time.time() - gone <= GRACE + 2.5
    assert status.failsafe == f"no word from the controller for {GRACE:g} s"
    status = await _status_until(room, "screen1", lambda s: s.state == "black")
    assert any(v == -100 for _, v in watcher.since("brightness", gone)), "faded to black"
    ipc = room.player.devices["screen1"].ipc
    await watcher.until(lambda: True)
    assert (await ipc.get("filename")) == "safe.png"  # the venue's safe image, not a frame
    # the controller is back: its clocks rejoin the show where it now is
    back = time.time()
    for _ in range(4):
        room.clock("screen1", "clip.mp4", 2.0 + time.time() - at)
        await asyncio.sleep(0.3)
    status = await _status_until(room, "screen1", lambda s: s.state == "playing")
    assert status.failsafe is None and status.media == "clip.mp4"
    assert status.position == pytest.approx(2.0 + time.time() - at, abs=0.6)
    assert time.time() - back < 5


async def test_a_paused_or_loaded_player_waits_for_the_controller_as_long_as_it_likes(
        guarded):
    room = guarded
    watcher = await room.watch("screen2")
    room.send("screen2", None, ("/showctl/player/load", "clip.mp4", 1.0))
    await watcher.until(loaded(watcher, 1.0))
    await asyncio.sleep(GRACE + 1.2)
    status = await room.status("screen2")
    assert status.state == "loaded" and status.failsafe is None


async def test_mpv_dying_again_while_it_restarts_is_back_within_seconds_saying_restarting(
        guarded):
    room = guarded
    _watcher, at = await _playing(room)
    await room.watch("screen1")
    await room.watchers.pop("screen1").ipc.close()
    mpv = room.player.mpvs["screen1"]
    killed, seen, statuses = 0, set(), []
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline:  # every mpv that starts dies at once, for 2 s
        process = mpv.process
        if process is not None and process.pid not in seen and process.returncode is None:
            seen.add(process.pid)
            process.kill()
            killed += 1
        statuses.append(room.player.devices["screen1"].status().state)
        await asyncio.sleep(0.01)
    assert killed >= 3
    assert "restarting" in statuses
    stopped = time.monotonic()
    async with asyncio.timeout(6):
        await mpv.restarted(1)
        while not (mpv.ready.is_set() and mpv.process.returncode is None
                   and room.player.devices["screen1"].status().state != "restarting"):
            await asyncio.sleep(0.02)
    assert time.monotonic() - stopped < 3.0, "back-off bounded and short"
    await room.watch("screen1")
    for _ in range(4):
        room.clock("screen1", "clip.mp4", 2.0 + time.time() - at)
        await asyncio.sleep(0.3)
    status = await _status_until(room, "screen1", lambda s: s.state == "playing")
    assert status.mpv_restarts >= 1


async def test_positions_outside_the_media_are_refused_or_clamped(guarded):
    room = guarded
    watcher, _at = await _playing(room)
    await asyncio.sleep(0.4)
    room.send("screen1", None, ("/showctl/player/seek", 3e38))
    await asyncio.sleep(0.4)
    status = await room.status("screen1")
    assert status.refused == 1 and status.state == "playing"
    assert status.position < CLIP_SECONDS - 1, "not frozen on the last frame"
    # negative: the start, not "from the end"
    room.send("screen1", None, ("/showctl/player/seek", -50.0))
    await watcher.until(lambda: any(isinstance(v, float) and v < 1.0
                                    for _, v in watcher.changes.get("time-pos", [])[-3:]))
    status = await room.status("screen1")
    assert status.refused == 2
    room.send("screen1", None, ("/showctl/player/play", "clip.mp4", 3e38))
    status = await room.status("screen1")
    assert status.refused == 3


async def test_a_picture_held_at_its_end_rejoins_the_controllers_clock(guarded):
    room = guarded
    device = room.player.devices["screen1"]
    device.policy = device.policy.model_copy(update={"failsafe_after": 60.0})
    at = time.time() + 0.2
    room.send("screen1", at, ("/showctl/player/play", "clip.mp4", CLIP_SECONDS + 30.0))
    await _status_until(room, "screen1", lambda s: s.refused == 1 and s.position is not None
                        and s.position > CLIP_SECONDS - 1)  # clamped: the last frame
    start = time.time()
    for _ in range(6):  # the controller says the show is at 3 s into the clip
        room.clock("screen1", "clip.mp4", 3.0 + time.time() - start)
        await asyncio.sleep(0.3)
    status = await _status_until(room, "screen1", lambda s: s.position is not None
                                 and s.position < CLIP_SECONDS - 3)
    assert status.state == "playing"


async def test_only_the_controllers_address_commands_the_player(guarded):
    room = guarded
    watcher = await room.watch("screen2")
    stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    stranger.bind(("127.0.0.99", 0))  # not the venue's osc.listen host (127.0.0.1)
    try:
        device = room.player.devices["screen2"].device
        from showctl.codec.osc import encode_message
        for _ in range(20):
            stranger.sendto(encode_message("/showctl/player/play", "clip.mp4", 1.0),
                            (device.host, device.port))
        status = await _status_until(room, "screen2", lambda s: s.refused >= 20)
        assert status.state == "idle"
        room.send("screen2", None, ("/showctl/player/load", "clip.mp4", 1.0))
        await watcher.until(loaded(watcher, 1.0))
    finally:
        stranger.close()


async def test_pending_bundles_are_capped_and_their_horizon_bounded(guarded):
    room = guarded
    device = room.player.devices["screen2"]
    for n in range(200):
        room.send("screen2", time.time() + 60 + n * 0.001, ("/showctl/player/pause",))
        if n % 10 == 9:
            await asyncio.sleep(0.002)  # the player is on this loop: let it read
    status = await _status_until(room, "screen2", lambda s: s.refused >= 150)
    assert len(device._timed) == 50 and status.refused == 150
    room.send("screen2", time.time() + 86_400, ("/showctl/player/pause",))  # a day ahead
    status = await _status_until(room, "screen2", lambda s: s.refused >= 151)
    assert status.refused == 151
