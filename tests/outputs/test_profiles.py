"""Profiles turn abstract actions into each product's OSC; the registry names them."""

import pytest
from pythonosc.osc_bundle import OscBundle

from showctl.model import Device, Venue
from showctl.outputs.actions import (
    Black,
    Dmx,
    Levels,
    Lights,
    Load,
    Osc,
    Pause,
    Play,
    Resume,
    Seek,
    ShowClock,
    Stop,
    Volume,
)
from showctl.outputs.profiles import PROFILES, profile_for
from showctl.outputs.profiles.base import Bundles, Profile, Transport
from showctl.outputs.profiles.showctl import ShowctlProfile
from showctl.outputs.router import Router
from tests.core.room import decode

SCREEN = Device(id="s1", kind="screen", index=1, port=9000)
DIMMERS = Device(id="dim", kind="lighting", port=9001, profile="ola", universe=2)


@pytest.mark.parametrize(("action", "expected"), [
    (Load("s1", "a.mp4", 2), [("/showctl/player/load", ("a.mp4", 2.0))]),
    (Play("s1", "a.mp4", 0.5), [("/showctl/player/play", ("a.mp4", 0.5))]),
    (Pause("s1"), [("/showctl/player/pause", ())]),
    (Resume("s1"), [("/showctl/player/resume", ())]),
    (Stop("s1", 1), [("/showctl/player/stop", (1.0,))]),
    (Black("s1", 2.5), [("/showctl/player/black", (2.5,))]),
    (Seek("s1", 83.5), [("/showctl/player/seek", (83.5,))]),
    (ShowClock("s1", 12, "a.mp4", 6.5), [("/showctl/player/clock", (12.0, "a.mp4", 6.5))]),
    (Volume("s1", -6, 2), [("/showctl/player/volume", (-6.0, 2.0))]),
    (Lights("s1", "house-up", 3), [("/showctl/lights/cue", ("house-up", 3.0))]),
    (Osc("s1", "/x/y", (1, "z")), [("/x/y", (1, "z"))]),
    (Dmx("s1", bytes(512)), []),
    (Levels("s1", ((1, 255),), 1.0), []),
])
def test_showctl_profile_is_spec_3_2(action, expected):
    assert profile_for(SCREEN).messages(action) == expected


def test_ola_profile_sends_a_universe_blob_and_nothing_it_cannot_do():
    ola = profile_for(DIMMERS)
    frame = bytes(range(256)) * 2
    assert ola.messages(Dmx("dim", frame)) == [("/dmx/universe/2", (frame,))]
    assert ola.messages(Lights("dim", "x", 1.0)) == []
    assert ola.supports("dmx") and not profile_for(SCREEN).supports("dmx")


def test_registry_lists_profiles_and_names_the_known_ones_on_a_typo():
    assert set(PROFILES) == {"showctl", "ola", "eos", "grandma3", "magicq", "qlcplus", "qlab",
                             "resolume", "millumin", "disguise", "pjlink",  # SPEC 3.2
                             "artnet", "sacn"}  # SPEC 7.4
    assert all(p.source for p in PROFILES.values())
    with pytest.raises(KeyError, match=r"unknown profile 'olla' \(known: artnet, disguise, eos, "):
        profile_for(Device(id="d", kind="lighting", port=1, profile="olla"))


def test_router_bundles_a_device_s_messages_under_one_timetag():
    venue = Venue(venue="v", devices=(SCREEN, DIMMERS))
    router = Router(venue)
    (device, address, data), = router.packets(
        [Play("s1", "a.mp4", 0.0), Lights("s1", "c", 0.0),
         Lights("dim", "c", 0.0)], 1_800_000_000.25)
    assert (device, address) == ("s1", ("127.0.0.1", 9000))
    bundle = OscBundle(data)
    assert bundle.timestamp == pytest.approx(1_800_000_000.25, abs=1e-6)
    assert [m.address for m in bundle] == ["/showctl/player/play", "/showctl/lights/cue"]


class Plain(Profile):
    """A product that drops bundles, with a small packet limit and TCP framing."""

    name = "plain-test"
    source = "tests"
    kinds = frozenset({"lights", "osc"})
    bundles = Bundles.REFUSED
    transport = Transport.TCP_SLIP
    max_packet = 64

    def translate(self, action):
        return [("/cue/fire", (str(action.cue),)), ("/cue/fade", (float(action.fade),))]


def test_built_in_profiles_declare_what_their_products_do_with_bundles():
    assert PROFILES["showctl"].bundles is Bundles.HONOURED
    assert PROFILES["showctl"].default_lead == 0.02
    assert PROFILES["ola"].bundles is Bundles.IGNORED  # see tests/outputs/test_olad.py
    for profile in PROFILES.values():
        assert isinstance(profile.bundles, Bundles) and isinstance(profile.transport, Transport)
    assert Profile.max_packet == 1472 and Profile.transport is Transport.UDP


def test_a_profile_must_say_what_it_does_with_bundles():
    with pytest.raises(TypeError, match="must say what it does with bundles"):
        type("Vague", (Profile,), {"name": "v", "source": "s", "kinds": frozenset()})
    with pytest.raises(TypeError, match="default_lead needs honoured timetags"):
        type("Early", (Profile,), {"name": "e", "source": "s", "kinds": frozenset(),
                                   "bundles": Bundles.IGNORED, "default_lead": 0.01})


def test_lead_is_the_device_latency_else_the_profile_default():
    class Early(ShowctlProfile):
        default_lead = 0.03

    assert Early(SCREEN).lead == 0.03
    assert Early(SCREEN.model_copy(update={"latency": 0.0})).lead == 0.0
    assert Early(SCREEN.model_copy(update={"latency": 0.07})).lead == 0.07
    assert Plain(DIMMERS).lead == 0.0 and not Plain(DIMMERS).timetags
    assert Plain(DIMMERS.model_copy(update={"latency": 0.01})).lead == 0.01


def test_plain_messages_for_a_product_that_refuses_bundles(monkeypatch):
    monkeypatch.setitem(PROFILES, "plain-test", Plain)
    desk = Device(id="desk", kind="lighting", port=9002, profile="plain-test")
    router = Router(Venue(venue="v", devices=(SCREEN, desk)))
    packets = router.packets([Lights("desk", "7", 2.0)], 1_800_000_000.25)
    assert [(d, a) for d, a, _ in packets] == [("desk", ("127.0.0.1", 9002))] * 2
    assert [decode(data) for _, _, data in packets] == [
        (None, [("/cue/fire", ("7",))]), (None, [("/cue/fade", (2.0,))])]


def test_a_bundle_larger_than_the_product_takes_is_split_with_one_timetag():
    class Small(ShowctlProfile):
        max_packet = 120

    screen = Small(SCREEN)
    router = Router(Venue(venue="v", devices=(SCREEN,)))
    router.profiles["s1"] = screen
    actions = [Osc("s1", f"/m/{n}", ("x" * 20,)) for n in range(5)]
    packets = router.packets(actions, 1_800_000_000.5)
    assert len(packets) > 1 and all(len(data) <= 120 for _, _, data in packets)
    decoded = [decode(data) for _, _, data in packets]
    assert [tag for tag, _ in decoded] == pytest.approx([1_800_000_000.5] * len(decoded), abs=1e-6)
    assert [m[0] for _, msgs in decoded for m in msgs] == [f"/m/{n}" for n in range(5)]
