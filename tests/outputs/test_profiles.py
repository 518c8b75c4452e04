"""Profiles turn abstract actions into each product's OSC; the registry names them."""

import pytest
from pythonosc.osc_bundle import OscBundle

from showctl.model import Device, Venue
from showctl.outputs.actions import Action
from showctl.outputs.profiles import PROFILES, profile_for
from showctl.outputs.router import Router

SCREEN = Device(id="s1", kind="screen", index=1, port=9000)
DIMMERS = Device(id="dim", kind="lighting", port=9001, profile="ola", universe=2)


@pytest.mark.parametrize(("action", "expected"), [
    (Action("s1", "load", ("a.mp4", 2)), [("/showctl/player/load", ("a.mp4", 2.0))]),
    (Action("s1", "play", ("a.mp4", 0.5)), [("/showctl/player/play", ("a.mp4", 0.5))]),
    (Action("s1", "pause"), [("/showctl/player/pause", ())]),
    (Action("s1", "resume"), [("/showctl/player/resume", ())]),
    (Action("s1", "stop", (1,)), [("/showctl/player/stop", (1.0,))]),
    (Action("s1", "black", (2.5,)), [("/showctl/player/black", (2.5,))]),
    (Action("s1", "seek", (83.5,)), [("/showctl/player/seek", (83.5,))]),
    (Action("s1", "clock", (12.0,)), [("/showctl/player/clock", (12.0,))]),
    (Action("s1", "lights", ("house-up", 3)), [("/showctl/lights/cue", ("house-up", 3.0))]),
    (Action("s1", "osc", ("/x/y", 1, "z")), [("/x/y", (1, "z"))]),
    (Action("s1", "dmx", (bytes(512),)), []),
    (Action("s1", "levels", (((1, 255),), 1.0)), []),
])
def test_showctl_profile_is_spec_3_2(action, expected):
    assert profile_for(SCREEN).messages(action) == expected


def test_ola_profile_sends_a_universe_blob_and_nothing_it_cannot_do():
    ola = profile_for(DIMMERS)
    frame = bytes(range(256)) * 2
    assert ola.messages(Action("dim", "dmx", (frame,))) == [("/dmx/universe/2", (frame,))]
    assert ola.messages(Action("dim", "lights", ("x", 1.0))) == []
    assert ola.supports("dmx") and not profile_for(SCREEN).supports("dmx")


def test_registry_lists_profiles_and_names_the_known_ones_on_a_typo():
    assert set(PROFILES) == {"showctl", "ola"}
    assert all(p.source for p in PROFILES.values())
    with pytest.raises(KeyError, match=r"unknown profile 'olla' \(known: ola, showctl\)"):
        profile_for(Device(id="d", kind="lighting", port=1, profile="olla"))


def test_router_bundles_a_device_s_messages_under_one_timetag():
    venue = Venue(venue="v", devices=(SCREEN, DIMMERS))
    router = Router(venue)
    (device, address, data), = router.bundles(
        [Action("s1", "play", ("a.mp4", 0.0)), Action("s1", "lights", ("c", 0.0)),
         Action("dim", "lights", ("c", 0.0))], 1_800_000_000.25)
    assert (device, address) == ("s1", ("127.0.0.1", 9000))
    bundle = OscBundle(data)
    assert bundle.timestamp == pytest.approx(1_800_000_000.25, abs=1e-6)
    assert [m.address for m in bundle] == ["/showctl/player/play", "/showctl/lights/cue"]
