"""The sample show, played whole on the fake clock: every cue leaves at its exact
instant, to exactly its devices, in one bundle each, all with the cue's timetag."""

from pathlib import Path

import pytest
import yaml

from tests.core.room import LEAD, MONO0, WALL0, open_room

SAMPLE = Path(__file__).parents[2] / "shows" / "normandy-100-days.yaml"
GROUPS = {
    "front": ["screen9", "screen1", "screen2"],
    "right": ["screen3", "screen4"],
    "back": ["screen5", "screen6"],
    "left": ["screen7", "screen8"],
}


def expected_screens(selector) -> list[str]:
    items = [selector] if isinstance(selector, str | int) else selector
    chosen = set()
    for item in items:
        if item == "all":
            chosen |= {f"screen{i}" for i in range(1, 10)}
        elif isinstance(item, int):
            chosen.add(f"screen{item}")
        else:
            chosen |= set(GROUPS[item])
    return sorted(chosen)


@pytest.fixture
async def sample_room(tmp_path):
    show = yaml.safe_load(SAMPLE.read_text())
    room = await open_room(tmp_path, shows=[show], venue_extra={"groups": GROUPS},
                           extra_devices=({"id": "sound", "kind": "audio"},))
    yield room, show
    await room.close()


def seconds(value) -> float:
    from showctl.timecode import parse_time

    return parse_time(value)


async def test_every_cue_of_the_sample_show_leaves_at_its_exact_time(sample_room):
    room, show = sample_room
    c, clock = room.controller, room.clock
    c.load(show["id"], by="test")
    t0 = MONO0 + 10.0
    c.go(by="test", at=t0)
    await clock.advance(11.0 + seconds(show["cues"][-1]["at"]) + 5)

    cue_events = room.kinds("cue")
    assert [e["cue"] for e in cue_events] == [str(c["id"]) for c in show["cues"]]
    arrivals = {dev: [g for g in rx.without_clock() if g.at >= t0 - LEAD]
                for dev, rx in room.rx.items()}
    for cue in show["cues"]:
        at = t0 + seconds(cue["at"])
        wall = WALL0 - MONO0 + at
        screens = expected_screens(cue["screens"]) if "screens" in cue else []
        sounds = ["sound"] if "sound" in cue or "volume" in cue else []
        devices = screens + (["lights"] if "lights" in cue else []) + sounds
        for device in devices:
            got = [g for g in arrivals[device] if g.at == pytest.approx(at - LEAD)]
            assert len(got) == 1, (cue["id"], device)
            assert got[0].timetag == pytest.approx(wall, abs=1e-6)
            index = int(device.removeprefix("screen")) if device.startswith("screen") else None
            if "play" in cue and index:
                media = cue["play"]["media"].replace("{screen}", str(index))
                assert ("/showctl/player/play", (media, pytest.approx(0.0))) in got[0].messages
            if "black" in cue and index:
                assert got[0].messages[0][0] == "/showctl/player/black"
            if "lights" in cue and device == "lights":
                assert got[0].messages[-1][:2] == ("/showctl/lights/cue",
                                                   (cue["lights"]["cue"],
                                                    pytest.approx(cue["lights"]["fade"])))
            if "sound" in cue and device == "sound":
                assert ("/showctl/player/play", (cue["sound"]["media"], pytest.approx(0.0))) \
                    in got[0].messages
        same_instant = [c for c in show["cues"] if seconds(c["at"]) == seconds(cue["at"])]
        busy = {d for c in same_instant for d in expected_screens(c.get("screens", []))}
        busy |= {"sound"} if any("sound" in c or "volume" in c for c in same_instant) else set()
        others = set(room.rx) - busy - {"lights"}
        for device in others:
            assert not [g for g in arrivals[device]
                        if g.at == pytest.approx(at - LEAD) and not g.messages[0][0]
                        .endswith("/clock")], (cue["id"], device)
    assert c.state == "idle"
    run = room.kinds("run")
    assert [r["event"] for r in run] == ["start", "end"] and run[-1]["outcome"] == "completed"


async def test_drift_clock_goes_to_every_playing_screen_once_a_second(sample_room):
    """From the first play (cue 3 at 0:06) on, each whole show second: show time, the
    media and where in it the screen must be at the bundle's timetag."""
    room, show = sample_room
    c, clock = room.controller, room.clock
    c.load(show["id"], by="test")
    t0 = MONO0 + 2.0
    c.go(by="test", at=t0)
    await clock.advance(2.0 + 10.5)
    for i in range(1, 10):
        ticks = [g for g in room.rx[f"screen{i}"].got
                 if g.messages[0][0] == "/showctl/player/clock"]
        assert [g.at - t0 + LEAD for g in ticks] == pytest.approx([6.0, 7.0, 8.0, 9.0, 10.0])
        assert [g.messages[0][1] for g in ticks] == [
            (pytest.approx(n), f"normandy/01-channel-dawn_{i}.mp4", pytest.approx(n - 6))
            for n in range(6, 11)]
        assert all(g.timetag == pytest.approx(WALL0 - MONO0 + g.at + LEAD, abs=1e-6)
                   for g in ticks)
    assert room.rx["lights"].addresses("/showctl/player/clock") == []


async def test_preroll_loads_each_screen_first_media_and_waits_for_t0(sample_room):
    room, show = sample_room
    c, clock = room.controller, room.clock
    c.load(show["id"], by="test")
    await clock.advance(0)
    loads = room.rx["screen4"].addresses("/showctl/player/load")
    assert loads == [("/showctl/player/load", ("normandy/01-channel-dawn_4.mp4", 0.0))]
    c.go(by="test")  # no `at`: t=0 once the preroll (2 s) has passed since load
    assert c.state == "prerolling" and c.status()["time"] == -2.0
    await clock.advance(1.999)
    assert c.state == "prerolling" and not room.kinds("cue")
    await clock.advance(0.001)
    assert c.state == "running" and room.kinds("cue")[0]["cue"] == "1"
    assert room.events[-1][0] == MONO0 + 2.0
