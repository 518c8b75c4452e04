"""The player on real mpv: every command at its instant, drift, rejoin, fades, status."""

from __future__ import annotations

import asyncio
import time

import pytest

from showctl.player.device import db_to_mpv
from tests.player.conftest import FRAME, loaded, needs_mpv, on_line

SLACK = 0.030  # an mpv and a loop on two cores shared with the rest of the suite

pytestmark = [needs_mpv, pytest.mark.timeout(60)]


async def _playing(room, device="screen1", position=2.0, lead=0.4):
    """Loads clip.mp4 at `position`, plays it at a timetag `lead` ahead; (wall, pos)."""
    watcher = await room.watch(device)
    room.send(device, None, ("/showctl/player/load", "clip.mp4", position))
    await watcher.until(loaded(watcher, position))
    watcher.ready_at = time.time()
    at = watcher.ready_at + lead
    room.send(device, at, ("/showctl/player/play", "clip.mp4", position))
    return watcher, at


async def test_a_preloaded_play_starts_on_the_frame_of_its_timetag(room):
    starts = []
    for _ in range(3):  # the best of three: a loaded CI host may starve mpv for a moment
        watcher, at = await _playing(room)
        await asyncio.sleep(0.8)
        changes = [(t, v) for t, v in watcher.since("time-pos", watcher.ready_at) if v != 2.0]
        starts.append(changes[0][0] - at)  # the preloaded frame is due at `at`, the next
        opened = [name for t, name in watcher.events if t >= watcher.ready_at]  # a frame on
        assert "start-file" not in opened and "seek" not in opened  # play only unpaused
        errors = watcher.error(at, 2.0, at)
        if 0 <= starts[-1] <= FRAME + SLACK and on_line(errors, within=FRAME):
            break  # frames within one frame of their instants
    else:
        raise AssertionError(f"first new frame {[round(s * 1e3, 1) for s in starts]} ms "
                             f"after the timetag; errors {errors}")
    status = await room.status("screen1")
    assert status.state == "playing" and status.media == "clip.mp4"
    assert status.late_commands == 0 and status.seeks == 0  # released, never re-cued


async def test_a_late_bundle_acts_at_once_from_the_right_position_and_is_counted(room):
    watcher = await room.watch("screen1")
    start = time.time() - 0.3  # arrives 300 ms after its instant, media not preloaded
    room.send("screen1", start, ("/showctl/player/play", "clip.mp4", 1.0))
    await asyncio.sleep(1.5)
    errors = watcher.error(start, 1.0, time.time() - 0.5)
    assert on_line(errors), errors
    status = await room.status("screen1")
    assert status.late_commands == 1 and status.state == "playing"


async def test_pause_resume_and_seek_act_at_their_timetags(room):
    watcher, at = await _playing(room, lead=0.2)
    pause_at = at + 0.6
    room.send("screen1", pause_at, ("/showctl/player/pause",))
    await asyncio.sleep(pause_at + 0.5 - time.time())
    moving = [t for t, _ in watcher.since("time-pos", at + 0.1)]
    assert pause_at - FRAME <= moving[-1] <= pause_at + FRAME + SLACK
    assert (await room.status("screen1")).state == "paused"
    resume_at = time.time() + 0.2
    held = watcher.changes["time-pos"][-1][1]
    room.send("screen1", resume_at, ("/showctl/player/resume",))
    await asyncio.sleep(0.5)
    first = next(t for t, v in watcher.since("time-pos", resume_at - 0.15) if v != held)
    assert resume_at <= first <= resume_at + FRAME + SLACK  # mpv's clock goes on at once
    seek_at = time.time() + 0.2
    room.send("screen1", seek_at, ("/showctl/player/seek", 7.0))
    await asyncio.sleep(1.5)
    errors = watcher.error(seek_at, 7.0, time.time() - 0.5)
    assert on_line(errors), errors


async def test_black_fades_the_picture_over_its_fade_then_stops(room):
    watcher, at = await _playing(room, lead=0.2)
    black_at = at + 0.5
    room.send("screen1", black_at, ("/showctl/player/black", 0.6))
    await watcher.until(lambda: watcher.since("idle-active", black_at)[-1:] == [
        (watcher.changes["idle-active"][-1][0], True)], timeout=5)
    levels = [(t, v) for t, v in watcher.since("brightness", black_at - 0.01)]
    ramp = [(t, v) for t, v in levels if v != 0]
    down = [v for _, v in ramp]
    assert len(down) >= 15, levels  # a ramp (50 Hz), not a cut
    # mpv may fold the last step (-100) into the reset to 0 after the stop, both within
    # a few ms: the ramp ends at -100, or at the reset that follows its last step
    assert down == sorted(down, reverse=True) and down[-1] <= -95, levels
    reached = next(t for t, v in levels if v == -100 or (v == 0 and t > ramp[-1][0]))
    assert black_at + 0.6 - 0.05 <= reached <= black_at + 0.6 + 0.1
    assert levels[0][0] >= black_at - 0.005  # nothing before its instant
    status = await room.status("screen1")
    assert status.state == "black" and status.media is None


async def test_a_player_pushed_half_a_second_off_is_brought_back(room):
    watcher, at = await _playing(room, lead=0.2)
    await asyncio.sleep(0.6)
    await watcher.ipc.command("seek", 0.5, "relative+exact")  # a technician's slip
    pushed = time.time()
    room.clock("screen1", "clip.mp4", 2.0 + time.time() - at)
    await asyncio.sleep(3.0)
    errors = watcher.error(at, 2.0, pushed + 2.0)  # recovered within 2 s
    assert on_line(errors), errors
    assert (await room.status("screen1")).seeks >= 1


async def test_a_killed_mpv_restarts_and_rejoins_from_the_next_clock(room):
    watcher, at = await _playing(room, lead=0.2)
    await asyncio.sleep(0.5)
    watcher = await room.kill_mpv("screen1")
    clocked = time.time()
    for _ in range(4):  # the controller's clock, once a second (faster here)
        room.clock("screen1", "clip.mp4", 2.0 + time.time() - at)
        await asyncio.sleep(0.5)
    await watcher.until(lambda: len(watcher.error(at, 2.0, clocked)) >= 25, timeout=10)
    errors = watcher.error(at, 2.0, watcher.since("time-pos", clocked)[15][0])
    assert on_line(errors), errors  # playing on the line again from the clocks
    status = await room.status("screen1")
    assert status.mpv_restarts == 1 and status.state == "playing"


async def test_missing_media_and_clock_offset_are_reported(room):
    # a clock with nothing to play: offset only; sent its lead early, as the controller does
    room.clock("screen2", "", 0.0, at=time.time() + room.player.devices["screen2"].lead)
    status = await room.status("screen2")
    assert status.missing == ("absent_2.mp4",)  # clip.mp4 is there; cue 2 names absent_2
    assert (await room.status("screen1")).missing == ()
    assert status.clock_offset_ms is not None and 0 <= status.clock_offset_ms < 20


async def test_volume_fades_smoothly_to_its_target(room):
    watcher = await room.watch("sound")
    room.send("sound", None, ("/showctl/player/play", "tone.wav", 0.0))
    await watcher.until(lambda: len(watcher.changes.get("time-pos", [])) > 3)  # playing
    start = time.time() + 0.1
    room.send("sound", start, ("/showctl/player/volume", -20.0, 0.5))
    target = db_to_mpv(-20.0)
    await watcher.until(lambda: watcher.changes.get("volume", [(0, None)])[-1][1]
                        == pytest.approx(target))
    ramp = [v for _, v in watcher.since("volume", start - 0.005)]
    assert len(ramp) >= 30  # 100 Hz steps: smoother than mpv's audio blocks
    assert ramp == sorted(ramp, reverse=True)
    assert watcher.changes["volume"][-1][0] - start == pytest.approx(0.5, abs=0.1)
    assert (await room.status("sound")).volume_db == -20.0


async def test_a_sound_cue_fades_in_from_silence(room):
    """The controller's bundle for `sound: {fade: 0.5}`: silence, play, then the fade."""
    watcher = await room.watch("sound")
    start = time.time() + 0.2
    room.send("sound", start, ("/showctl/player/volume", -80.0, 0.0),
              ("/showctl/player/play", "tone.wav", 0.0), ("/showctl/player/volume", -6.0, 0.5))
    target = db_to_mpv(-6.0)
    await watcher.until(lambda: watcher.changes.get("volume", [(0, None)])[-1][1]
                        == pytest.approx(target))
    ramp = [v for _, v in watcher.since("volume", start - 0.005)]
    assert ramp[0] <= db_to_mpv(-70.0)  # from silence (-80 dB), not from the level before
    assert ramp == sorted(ramp) and len(ramp) >= 20


async def test_a_device_with_transport_tcp_takes_slip_framed_bundles(tmp_path, clips):
    from pathlib import Path

    import yaml

    from showctl.codec import slip
    from showctl.codec.osc import encode_bundle, encode_message
    from showctl.files.loader import load_config
    from showctl.player.app import Player
    from tests.player.conftest import SHOW, make_venue

    venue_path = make_venue(tmp_path, [SHOW])
    venue = yaml.safe_load(venue_path.read_text())
    venue["devices"][0]["transport"] = "tcp"
    venue_path.write_text(yaml.safe_dump(venue, sort_keys=False))
    config = load_config(venue_path)
    device = config.venue.device("screen1")
    ipc_dir = Path(f"/tmp/showctl-tcp-{device.port}")
    player = Player(config, ["screen1"], media=clips, ipc_dir=ipc_dir,
                    mpv_args=["--vo=null", "--ao=null"])
    await player.start()
    try:
        _, writer = await asyncio.open_connection(device.host, device.port)
        bundle = encode_bundle(time.time() + 0.1,
                               [encode_message("/showctl/player/play", "clip.mp4", 1.0)])
        writer.write(slip.encode(bundle) + slip.encode(b"\xdb\x00garbage"))
        await writer.drain()
        assert player.devices["screen1"].device.transport == "tcp"
        async with asyncio.timeout(5):
            while player.devices["screen1"].state != "playing":
                await asyncio.sleep(0.05)
        assert player.devices["screen1"].errors == 1  # the bad frame: counted, not fatal
        writer.close()
    finally:
        await player.stop()


async def test_a_load_survives_an_mpv_restart_before_the_play(room):
    watcher = await room.watch("screen2")
    room.send("screen2", None, ("/showctl/player/load", "clip.mp4", 3.0))
    await watcher.until(loaded(watcher, 3.0))
    watcher = await room.kill_mpv("screen2")
    await watcher.until(loaded(watcher, 3.0))  # preloaded again, at its position
    assert room.player.devices["screen2"].state == "loaded"
