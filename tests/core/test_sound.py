"""Sound on the fake clock, through real sockets: `sound` and `volume` cues reach the audio
device at cue level + master volume, the master follows the operator at once (also into
bundles already built), and the drift clock tells every playing player where to be."""

from __future__ import annotations

import pytest

from showctl.core.errors import BadArgument
from tests.core.room import MONO0, WALL0, Room, open_room

SCORE = {
    "id": "score", "preroll": 0.5,
    "cues": [
        {"id": "1", "at": 0, "sound": {"media": "score.wav", "volume": -3, "fade": 2}},
        {"id": "2", "at": 1, "screens": "all", "play": {"media": "pano_{screen}.mp4"}},
        {"id": "3", "at": 3, "volume": {"db": 0}},
        {"id": "4", "at": 6, "volume": {"db": -20, "fade": 4}},
        {"id": "5", "at": 12, "screens": "all", "black": {"fade": 0}},
    ],
}
HOLD = {
    "id": "guide", "preroll": 0.5,
    "cues": [
        {"id": "1", "at": 0, "screens": "all", "play": {"media": "sky_{screen}.mp4"},
         "sound": {"media": "room.wav"}},
        {"id": "2", "at": 2.5, "hold": True},
        {"id": "3", "at": 3, "screens": "all", "black": {"fade": 0}},
    ],
}
AUDIO = ({"id": "sound", "kind": "audio"},)
T0 = MONO0 + 1.0  # go(at=T0): show time 0


@pytest.fixture
async def room(tmp_path):
    # at the instant (no lead): these are about sound; tests/core/test_lead.py has leads
    no_lead = {d: {"latency": 0} for d in [f"screen{n}" for n in range(1, 10)] + ["lights",
                                                                                   "sound"]}
    room = await open_room(tmp_path, shows=[SCORE, HOLD], extra_devices=AUDIO,
                           venue_extra={"volume": -6}, patch=no_lead)
    yield room
    await room.close()


def sound_bundles(room: Room) -> list[tuple[float, float | None, list]]:
    """(arrival show time, timetag as show time, messages) of the audio device but clock."""
    return [(g.at - T0, None if g.timetag is None else round(g.timetag - WALL0 + MONO0 - T0, 6),
             g.messages) for g in room.rx["sound"].without_clock()]


async def start(room: Room, show: str = "score") -> None:
    room.controller.load(show, by="test")
    room.controller.go(by="test", at=T0)
    await room.clock.advance(0)


async def test_a_sound_cue_preloads_then_fades_in_at_cue_level_plus_master(room):
    await start(room)
    await room.clock.advance(1.0 + 0.5)
    got = sound_bundles(room)
    assert got[0] == (-1.0, -1.0, [("/showctl/player/load", ("score.wav", 0.0))])
    assert got[1] == (0.0, 0.0, [("/showctl/player/volume", (-80.0, 0.0)),
                                 ("/showctl/player/play", ("score.wav", 0.0)),
                                 ("/showctl/player/volume", (-9.0, 2.0))])
    assert not any(m[0].startswith("/showctl/player/") for g in room.rx["screen1"].got
                   for m in g.messages if m[0].endswith("volume"))
    sound = next(d for d in room.controller.status()["devices"] if d["id"] == "sound")
    assert sound["output"] == {"state": "playing", "media": "score.wav", "position": 0.5,
                               "volume": -9.0}


async def test_the_master_volume_goes_to_every_audio_device_on_top_of_the_cue_level(room):
    c = room.controller
    await start(room)
    await room.clock.advance(1.0 + 0.5)  # t=0.5: fading in to -3 (cue) + -6 (master)
    room.clear()
    c.set_volume(-10, 1, by="operator:alice")
    await room.clock.advance(0)
    # the cue's fade-in still has 1.5 s to run: the new level comes over that
    assert sound_bundles(room) == [(0.5, 0.5, [("/showctl/player/volume", (-13.0, 1.5))])]
    assert c.status()["volume"] == {"db": -10.0, "fade": 1.0, "by": "operator:alice",
                                    "at": pytest.approx(WALL0 + 1.5)}
    assert room.kinds("volume") == [{"db": -10.0, "fade": 1.0, "by": "operator:alice"}]
    room.clear()
    await room.clock.advance(3.0)  # t=3.5: cue 3 (0 dB) left at t=3
    assert sound_bundles(room) == [(3.0, 3.0, [("/showctl/player/volume", (-10.0, 0.0))])]
    c.set_volume(12, by="test")  # +12 on a 0 dB cue: at most +12
    await room.clock.advance(0)
    assert sound_bundles(room)[-1][2] == [("/showctl/player/volume", (12.0, 0.0))]
    room.clear()
    await room.clock.advance(3.0)  # t=6.5: cue 4 fades to -20 over 4 s
    c.set_volume(-80, by="test")  # silence, over the rest of the cue's fade
    await room.clock.advance(0)
    assert [b[2] for b in sound_bundles(room)] == [
        [("/showctl/player/volume", (-8.0, 4.0))],
        [("/showctl/player/volume", (-80.0, 3.5))]]


async def test_a_volume_built_before_the_master_moved_leaves_with_the_new_master(room):
    c = room.controller
    await start(room)
    await room.clock.advance(1.0 + 2.5)  # t=2.5: cue 3 (t=3) is built, waiting to leave
    c.set_volume(-20, by="test")
    room.clear()
    await room.clock.advance(1.0)
    assert sound_bundles(room) == [(2.5, 2.5, [("/showctl/player/volume", (-23.0, 0.0))]),
                                   (3.0, 3.0, [("/showctl/player/volume", (-20.0, 0.0))])]


async def test_the_master_volume_is_checked(room):
    c = room.controller
    for db, fade in ((-81, 0), (12.5, 0), (float("nan"), 0), (True, 0), ("-6", 0), (0, -1),
                     (0, 601)):
        with pytest.raises(BadArgument):
            c.set_volume(db, fade, by="test")
    assert c.volume == -6.0 and room.kinds("volume") == []


async def test_stop_and_pause_reach_the_sound_too(room):
    c = room.controller
    await start(room)
    await room.clock.advance(1.0 + 2.2)
    room.clear()
    c.pause(by="test")
    c.resume(by="test")
    c.stop(2.0, by="test")
    await room.clock.advance(0)
    assert [b[2] for b in sound_bundles(room)] == [
        [("/showctl/player/pause", ())], [("/showctl/player/resume", ())],
        [("/showctl/player/stop", (2.0,))]]


async def test_a_seek_into_a_fade_lands_where_the_fade_had_got_to(room):
    c = room.controller
    await start(room)
    await room.clock.advance(1.0 + 0.2)
    room.clear()
    c.seek(8.0, by="test")  # cue 4: 0 -> -20 dB over 6..10: -10 at t=8, 2 s to run
    await room.clock.advance(0)
    assert sound_bundles(room)[0][2] == [("/showctl/player/volume", (-16.0, 0.0)),
                                         ("/showctl/player/volume", (-26.0, 2.0)),
                                         ("/showctl/player/seek", (8.0,))]


async def test_the_drift_clock_tells_every_playing_player_its_media_and_position(room):
    await start(room)
    await room.clock.advance(1.0 + 3.5)
    clocks = {d: [(round(g.at - T0, 6), g.messages) for g in room.rx[d].got
                  if g.messages[0][0] == "/showctl/player/clock"] for d in ("sound", "screen4")}
    assert clocks["sound"] == [(n, [("/showctl/player/clock", (n, "score.wav", n))])
                               for n in (1.0, 2.0, 3.0)]
    assert clocks["screen4"] == [(n, [("/showctl/player/clock", (n, "pano_4.mp4", n - 1))])
                                 for n in (1.0, 2.0, 3.0)]
    assert room.rx["lights"].addresses("/showctl/player/clock") == []


async def test_the_clock_goes_on_through_a_hold_with_the_players_running_position(room):
    """A hold stops the timeline, not the players: they keep getting clock each second,
    the show time frozen at the hold's, the position moving on; GO carries on from
    where they are (no jump back), and a pause silences the clock."""
    c = room.controller
    await start(room, "guide")
    await room.clock.advance(1.0 + 5.2)  # hold at 2.5; held 2.7 s
    assert c.state == "holding"
    ticks = [(round(g.at - T0, 6), g.messages[0][1]) for g in room.rx["sound"].got
             if g.messages[0][0] == "/showctl/player/clock"]
    assert ticks == [(1.0, (1.0, "room.wav", 1.0)), (2.0, (2.0, "room.wav", 2.0)),
                     (3.0, (2.5, "room.wav", 3.0)), (4.0, (2.5, "room.wav", 4.0)),
                     (5.0, (2.5, "room.wav", 5.0))]
    c.pause(by="test")
    room.clear()
    await room.clock.advance(3.0)
    assert room.rx["sound"].addresses("/showctl/player/clock") == []
