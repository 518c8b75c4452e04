"""Sending ahead: timetag-honouring devices get their bundles a lead early with the
exact timetag; a product that refuses bundles gets plain messages at the instant;
immediate commands act on every device at now + the largest lead; a pause inside a
lead still leaves the room in one look (docs/engine.md). All on the FakeClock."""

from fractions import Fraction

import pytest

from showctl.codec.osc import NTP_SCALE, NTP_UNIX
from showctl.outputs.profiles import PROFILES
from showctl.outputs.profiles.base import Bundles, Message, Profile
from tests.core.room import LEAD, MONO0, WALL0, open_room

SLOW = 0.05  # screen1's latency: the largest lead of the room

SHOW = {
    "id": "leads",
    "preroll": 0,
    "cues": [
        {"id": "1", "at": 1.0, "name": "Pano", "screens": [1, 2],
         "play": {"media": "p_{screen}.mp4"}, "lights": {"cue": "7", "fade": 2}},
        {"id": "2", "at": 3.0, "name": "More", "screens": [1, 2],
         "play": {"media": "m_{screen}.mp4"}, "lights": {"cue": "8", "fade": 0}},
        {"id": "3", "at": 9.0, "name": "End", "screens": "all", "black": {"fade": 0}},
    ],
}


EXACT = {  # cue times no float holds exactly
    "id": "exact",
    "preroll": 0,
    "cues": [{"id": c, "at": float(at), "name": c, "screens": [2],
              "play": {"media": f"{c}.mp4"}} for c, at in (("a", "0.1"), ("b", "1.3"),
                                                           ("c", "2.7"))],
}


class Refusing(Profile):
    """A console that drops bundles (as grandMA3 does)."""

    name = "refusing-test"
    source = "tests"
    kinds = frozenset({"lights", "osc"})
    bundles = Bundles.REFUSED

    def translate(self, action) -> list[Message]:
        return [("/console/cue", (str(action.cue), float(action.fade)))]


@pytest.fixture
async def room(tmp_path, monkeypatch):
    monkeypatch.setitem(PROFILES, Refusing.name, Refusing)
    room = await open_room(
        tmp_path, shows=[SHOW, EXACT],
        extra_devices=({"id": "desk", "kind": "lighting", "profile": Refusing.name},),
        patch={"screen1": {"latency": SLOW}},
    )
    yield room
    await room.close()


def wall(mono: float) -> float:
    return WALL0 - MONO0 + mono


def ntp(wall_instant: Fraction) -> int:
    """The exact timetag of a wall instant (NTP units, 2**-32 s: 0.23 ns)."""
    return round((wall_instant + NTP_UNIX) * NTP_SCALE)


def off_by(received, planned: list[int]) -> int:
    """The largest difference, in timetag units, of the bundles' timetags from the plan."""
    assert len(received) == len(planned)
    return max(abs(g.ntp - tag) for g, tag in zip(received, planned, strict=True))


def got(room, device, address):
    return [g for g in room.rx[device].got if g.messages[0][0] == address]


async def test_timetag_devices_get_bundles_a_lead_early_and_plain_devices_at_the_instant(room):
    c, clock = room.controller, room.clock
    c.start("leads", by="test", at=MONO0)
    await clock.advance(2.0)
    cue = MONO0 + 1.0
    (slow,) = got(room, "screen1", "/showctl/player/play")
    (default,) = got(room, "screen2", "/showctl/player/play")
    assert slow.at == pytest.approx(cue - SLOW) and slow.timetag == wall(cue)
    assert default.at == pytest.approx(cue - LEAD) and default.timetag == wall(cue)
    (lights,) = got(room, "lights", "/showctl/lights/cue")
    assert lights.at == pytest.approx(cue - LEAD) and lights.timetag == wall(cue)
    (desk,) = room.rx["desk"].got
    assert desk.at == cue and desk.timetag is None  # a plain message, sent at the instant
    assert desk.messages == [("/console/cue", ("7", 2.0))]
    assert [e["cue"] for e in room.kinds("cue")] == ["1"]
    assert [t for t, k, _ in room.events if k == "cue"] == [cue]  # the cue acts at its time


async def test_an_immediate_command_acts_on_every_device_at_now_plus_the_largest_lead(room):
    c, clock = room.controller, room.clock
    c.start("leads", by="test", at=MONO0)
    await clock.advance(2.0)
    room.clear()
    stopped = clock.monotonic()
    c.stop(0.0, by="test")
    await clock.advance(1.0)
    effect = stopped + SLOW
    (slow,) = got(room, "screen1", "/showctl/player/black")
    (default,) = got(room, "screen2", "/showctl/player/black")
    (far,) = got(room, "screen5", "/showctl/player/black")
    assert slow.at == stopped and default.at == far.at == pytest.approx(effect - LEAD)
    assert slow.timetag == default.timetag == far.timetag == pytest.approx(wall(effect))
    (desk,) = room.rx["desk"].got
    assert desk.at == pytest.approx(effect) and desk.timetag is None
    assert desk.messages == [("/console/cue", ("house-up", 0.0))]


async def test_a_pause_inside_the_lead_lets_the_cue_through_everywhere_then_pauses(room):
    c, clock = room.controller, room.clock
    c.start("leads", by="test", at=MONO0)
    cue = MONO0 + 3.0
    await clock.advance_to(cue - 0.03)  # screen1 has cue 2 already; screen2, desk not yet
    assert len(got(room, "screen1", "/showctl/player/play")) == 2
    assert len(got(room, "screen2", "/showctl/player/play")) == 1
    paused = clock.monotonic()
    c.pause(by="test")
    assert c.state == "paused"
    effect = paused + SLOW
    assert c.status()["time"] == pytest.approx(effect - MONO0)  # where the room stops
    await clock.advance(1.0)
    for screen in ("screen1", "screen2"):  # the cue reached both, then the pause
        plays = got(room, screen, "/showctl/player/play")
        assert [g.timetag for g in plays][-1] == wall(cue)
        (pause,) = got(room, screen, "/showctl/player/pause")
        assert pause.timetag == pytest.approx(wall(effect))
    assert [g.messages for g in room.rx["desk"].got][-1] == [("/console/cue", ("8", 0.0))]
    assert [e["cue"] for e in room.kinds("cue")] == ["1", "2"]
    room.clear()
    resumed = clock.monotonic()
    c.resume(by="test")
    await clock.advance(10.0)
    assert not got(room, "screen2", "/showctl/player/play"), "no cue is sent twice"
    assert [e["cue"] for e in room.kinds("cue")] == ["3"]
    (black,) = got(room, "screen2", "/showctl/player/black")  # 9 - (effect - t0) after resume
    assert black.timetag == pytest.approx(wall(resumed + SLOW + 9.0 - (effect - MONO0)))


async def test_a_pause_before_the_lead_stops_the_cue_everywhere(room):
    c, clock = room.controller, room.clock
    c.start("leads", by="test", at=MONO0)
    cue = MONO0 + 3.0
    await clock.advance_to(cue - 0.2)
    c.pause(by="test")
    await clock.advance(1.0)
    for screen in ("screen1", "screen2"):
        assert [g.messages[0][1][0] for g in got(room, screen, "/showctl/player/play")] == [
            f"p_{screen[-1]}.mp4"]
    assert [g.messages for g in room.rx["desk"].got] == [[("/console/cue", ("7", 2.0))]]
    assert [e["cue"] for e in room.kinds("cue")] == ["1"]


async def test_every_timetag_is_the_start_s_wall_instant_plus_the_planned_time_exactly(room):
    """The timeline reads both clocks once, at its start: the wall clock moving against
    the monotonic one by microseconds afterwards (what two separate reads of them differ
    by on a busy machine) moves no timetag, and none is a float's 0.24 us step off."""
    c, clock = room.controller, room.clock
    c.start("exact", by="test", at=MONO0)  # anchored here: monotonic MONO0 is wall WALL0
    clock.step_wall(4e-6)  # before the first cue is built
    await clock.advance(1.0)
    clock.step_wall(-7e-6)
    await clock.advance(3.0)
    plays = got(room, "screen2", "/showctl/player/play")
    planned = [ntp(Fraction(WALL0) + Fraction(t)) for t in ("0.1", "1.3", "2.7")]
    assert off_by(plays, planned) <= 1  # one unit of the timetag: 0.23 ns


async def test_a_wall_clock_step_moves_the_timetags_built_after_it(room):
    """A step (NTP setting the clock, STEP or more) is not jitter: bundles built after it
    carry the new wall time, exactly; one built before it keeps its timetag."""
    c, clock = room.controller, room.clock
    c.start("exact", by="test", at=MONO0)
    await clock.advance(0.05)  # cue a is built (at the start), b and c are not yet
    clock.step_wall(5.0)
    await clock.advance(3.0)
    plays = got(room, "screen2", "/showctl/player/play")
    planned = [ntp(Fraction(WALL0) + Fraction(t)) for t in ("0.1", "6.3", "7.7")]
    assert off_by(plays, planned) <= 1


async def test_an_instant_s_datagrams_are_prepared_before_the_wait_and_sent_as_it_ends(
        room, monkeypatch):
    """What runs when the dispatcher's spin ends is the instant's sendto calls alone, in
    the plan's order (heap, lookups and the cold interpreter cost ~0.06 ms before the
    first datagram otherwise: bench/peers.py)."""
    c, clock, sender = room.controller, room.clock, room.controller.engine.dispatcher.sender
    sent_at_instant: dict[float, int] = {}

    async def arrive_at(deadline, *, early, then=None):
        await clock.sleep_until(deadline)
        before = sender.sent
        if then is not None:
            then()
        sent_at_instant[round(deadline - MONO0, 6)] = sender.sent - before

    monkeypatch.setattr(clock, "arrive_at", arrive_at)
    c.start("leads", by="test", at=MONO0)
    before = sender.sent
    await clock.advance(2.0)
    cue = 1.0  # show time
    assert sent_at_instant[round(cue - SLOW, 6)] == 2  # screen1's play and clock bundles
    assert sent_at_instant[round(cue - LEAD, 6)] == 3  # screen2's two, the lights'
    assert sent_at_instant[cue] == 1  # the desk's plain message, at the instant
    assert sum(sent_at_instant.values()) == sender.sent - before  # nothing left after
    (desk,) = room.rx["desk"].got
    assert desk.at == MONO0 + cue and desk.messages == [("/console/cue", ("7", 2.0))]
