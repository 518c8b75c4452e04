"""The player protocol said once (issue 20): what the profile encodes is what the player
and the simulator accept, and the one screen state machine behaves as SPEC 3.2 says."""

from __future__ import annotations

import pytest

from showctl.codec.player_protocol import COMMANDS, ScreenTransport, message, problem
from showctl.model.venue import Device
from showctl.outputs import actions
from showctl.outputs.profiles import profile_for
from showctl.sim.device import SimDevice

SCREEN = Device(id="screen1", kind="screen", index=1, host="127.0.0.1", port=9000,
                profile="showctl")
EVERY_ACTION = [
    actions.Load("screen1", "a.mp4", 0), actions.Play("screen1", "a.mp4", 1.5),
    actions.Pause("screen1"), actions.Resume("screen1"), actions.Stop("screen1", 2),
    actions.Black("screen1", 0), actions.Seek("screen1", 12),
    actions.ShowClock("screen1", 3.0, "a.mp4", 3.0),
    actions.ShowClock("screen1", 3.0, "a.mp4", 3.0, epoch=7),
    actions.Volume("screen1", -6, 0.5), actions.Pattern("screen1", "grid"),
]


@pytest.mark.parametrize("action", EVERY_ACTION, ids=lambda a: type(a).__name__)
def test_every_message_the_profile_sends_is_one_the_player_and_simulator_take(action):
    for address, args in profile_for(SCREEN).translate(action):
        assert problem(address, args) is None
        assert SimDevice("screen1", "screen").apply(address, args) is None


@pytest.mark.parametrize(("address", "args", "why"), [
    ("/showctl/player/nope", (), "unknown address"),
    ("/showctl/player/load", ("a.mp4",), "takes 2 argument(s), got 1"),
    ("/showctl/player/seek", (float("nan"),), "argument 1 must be a number"),
    ("/showctl/player/seek", (True,), "argument 1 must be a number"),
    ("/showctl/player/play", (3, 0.0), "argument 1 must be a string"),
    ("/showctl/player/clock", (1.0, "a.mp4"), "takes 1 or 3 or 4 argument(s), got 2"),
    ("/showctl/player/clock", (1.0, "a.mp4", 1.0, -1), "argument 4 must be a whole number"),
    ("/showctl/player/stop", (1.0, 2.0), "takes 0 or 1 argument(s), got 2"),
])
def test_anything_else_is_refused_with_its_reason_by_player_and_simulator(address, args, why):
    assert problem(address, args).startswith(why)
    assert SimDevice("screen1", "screen").apply(address, args).startswith(why)


def test_message_coerces_to_the_wire_types_and_refuses_a_wrong_count():
    assert message("play", "a.mp4", 2) == ("/showctl/player/play", ("a.mp4", 2.0))
    assert isinstance(message("clock", 1, "a", 1, 3)[1][3], int)
    with pytest.raises(ValueError):
        message("seek")
    assert set(COMMANDS) == {"load", "play", "pause", "resume", "stop", "black", "seek",
                             "clock", "volume", "pattern"}


def test_the_screen_state_machine():
    screen = ScreenTransport()
    screen.load("a.mp4", 5.0, now=100.0)
    assert (screen.state, screen.position_at(150.0)) == ("loaded", 5.0)  # loaded: still
    screen.resume(now=110.0)
    assert screen.position_at(112.0) == 7.0
    screen.pause(now=113.0)
    assert (screen.state, screen.position_at(200.0)) == ("paused", 8.0)
    screen.pause(now=114.0)  # not playing: nothing changes
    assert screen.since == 113.0
    screen.seek(30.0, now=120.0)
    assert (screen.state, screen.position_at(121.0)) == ("paused", 30.0)
    screen.end(black=True, now=122.0)
    assert (screen.state, screen.media, screen.position) == ("black", None, 0.0)
    screen.resume(now=123.0)  # a black screen does not resume
    assert screen.state == "black"
