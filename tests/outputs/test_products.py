"""Every product profile, from its documentation: the exact bytes each action puts on
the wire (address, type tags, arguments, plain message or bundle), received by a real
UDP socket on 127.0.0.1. Expected bytes are spelled out here by hand (`osc`), not by
the project's encoder, so an encoder or profile mistake cannot agree with itself."""

from __future__ import annotations

import socket
import struct

import pytest

from showctl.model import Device, Venue
from showctl.outputs.actions import Black, Lights, Load, Osc, Pause, Play, Resume, Stop
from showctl.outputs.profiles import PROFILES, Bundles, Transport, profile_for
from showctl.outputs.router import Router
from showctl.outputs.sender import UdpSender


def pad(raw: bytes) -> bytes:
    return raw + b"\0" * (4 - len(raw) % 4)


def osc(address: str, tags: str = "", *args: bytes) -> bytes:
    """An OSC message by hand: padded address, padded ',tags', then the raw arguments."""
    return pad(address.encode()) + pad(b"," + tags.encode()) + b"".join(args)


def s(text: str) -> bytes:
    return pad(text.encode())


def i(n: int) -> bytes:
    return struct.pack(">i", n)


def f(x: float) -> bytes:
    return struct.pack(">f", x)


def device(profile: str, **options) -> Device:
    kind = options.pop("kind", "lighting")
    return Device(id="dev", kind=kind, port=9, profile=profile, index=1 if kind == "screen"
                  else None, **options)


CASES = [
    # ETC Eos: /eos/cue/<list>/<cue>/fire, no arguments; cue list 1 unless the device says
    ("eos", {}, Lights("dev", "5", 3.0), [osc("/eos/cue/1/5/fire")]),
    ("eos", {"cue_list": 2}, Lights("dev", "12.5", 0.0),
     [osc("/eos/cue/2/12.5/fire")]),
    ("eos", {}, Osc("dev", "/eos/key/go_0"), [osc("/eos/key/go_0")]),
    # grandMA3: /cmd with the command line; the prefix of the console's OSC line
    ("grandma3", {}, Lights("dev", "5", 0.0), [osc("/cmd", "s", s("Goto Cue 5"))]),
    ("grandma3", {"sequence": 3, "prefix": "gma3"}, Lights("dev", "2.5", 2.0),
     [osc("/gma3/cmd", "s", s("Goto Sequence 3 Cue 2.5 Fade 2"))]),
    # MagicQ: /pb/<playback>/<cue> with a non-zero value jumps to that cue
    ("magicq", {}, Lights("dev", "7", 0.0), [osc("/pb/1/7", "i", i(1))]),
    ("magicq", {"playback": 4}, Lights("dev", "12", 1.0),
     [osc("/pb/4/12", "i", i(1))]),
    # QLC+ over OSC: a button bound to the path, pressed and released
    ("qlcplus", {"transport": "udp"}, Lights("dev", "opening", 0.0),
     [osc("/showctl/cue/opening", "f", f(1.0)), osc("/showctl/cue/opening", "f", f(0.0))]),
    # QLab 5
    ("qlab", {"kind": "audio"}, Play("dev", "12", 0.0), [osc("/cue/12/start")]),
    ("qlab", {"kind": "audio"}, Load("dev", "12", 0.0), [osc("/cue/12/load")]),
    ("qlab", {"kind": "audio", "workspace": "ABC-1"}, Play("dev", "3", 0.0),
     [osc("/workspace/ABC-1/cue/3/start")]),
    ("qlab", {"kind": "audio"}, Stop("dev", 0.0), [osc("/stop")]),
    ("qlab", {"kind": "audio"}, Stop("dev", 2.0), [osc("/panicInTime", "f", f(2.0))]),
    ("qlab", {"kind": "audio"}, Pause("dev"), [osc("/pause")]),
    ("qlab", {"kind": "audio"}, Resume("dev"), [osc("/resume")]),
    # Resolume Arena/Avenue 7
    ("resolume", {"kind": "screen"}, Play("dev", "3", 0.0),
     [osc("/composition/layers/1/clips/3/connect", "i", i(1))]),
    ("resolume", {"kind": "screen", "layer": 2}, Play("dev", "column 4", 0.0),
     [osc("/composition/columns/4/connect", "i", i(1))]),
    ("resolume", {"kind": "screen", "layer": 2}, Black("dev", 1.0),
     [osc("/composition/layers/2/clear", "i", i(1)),
      osc("/composition/layers/2/clear", "i", i(0))]),
    # Millumin 5
    ("millumin", {"kind": "screen"}, Play("dev", "4", 0.0),
     [osc("/millumin/action/launchColumn", "i", i(4))]),
    ("millumin", {"kind": "screen"}, Play("dev", "Opening", 0.0),
     [osc("/millumin/action/launchColumn", "s", s("Opening"))]),
    ("millumin", {"kind": "screen"}, Stop("dev", 0.0),
     [osc("/millumin/action/stopColumn")]),
    ("millumin", {"kind": "screen"}, Pause("dev"), [osc("/millumin/action/pauseTimeline")]),
    ("millumin", {"kind": "screen"}, Resume("dev"), [osc("/millumin/action/playTimeline")]),
    # disguise: the cue as 1 to 3 integers, then play
    ("disguise", {"kind": "screen"}, Play("dev", "1.2.5", 0.0),
     [osc("/d3/showcontrol/cue", "iii", i(1), i(2), i(5)), osc("/d3/showcontrol/play")]),
    ("disguise", {"kind": "screen"}, Pause("dev"), [osc("/d3/showcontrol/stop")]),
    ("disguise", {"kind": "screen"}, Resume("dev"), [osc("/d3/showcontrol/play")]),
]


@pytest.fixture
def receiver():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(2.0)
    yield sock
    sock.close()


@pytest.mark.parametrize(("profile", "options", "action", "expected"), CASES,
                         ids=[f"{c[0]}-{c[2].kind}-{n}" for n, c in enumerate(CASES)])
def test_each_action_sends_exactly_the_documented_bytes(receiver, profile, options, action,
                                                        expected):
    dev = device(profile, **options).model_copy(update={"port": receiver.getsockname()[1]})
    router = Router(Venue(venue="v", devices=(dev,)))
    sender = UdpSender()
    packets = router.packets([action], 1_800_000_000.0)
    for _, address, data in packets:
        sender.send(address, data)
    sender.close()
    got = [receiver.recvfrom(2048)[0] for _ in packets]
    assert got == expected
    assert not any(g.startswith(b"#bundle") for g in got), "plain messages, never bundles"


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_profile_says_what_it_does_with_bundles_and_where_it_comes_from(name):
    cls = PROFILES[name]
    assert isinstance(cls.bundles, Bundles) and cls.source
    if name not in ("showctl", "ola"):  # products: their documentation, with its version
        module = __import__(cls.__module__, fromlist=["_"])
        assert module.__doc__ and "Source" in module.__doc__


def test_what_the_research_found_about_bundles():
    assert PROFILES["qlcplus"].bundles is Bundles.IGNORED  # its parser skips the timetag
    assert PROFILES["grandma3"].bundles is Bundles.REFUSED  # the manual: not supported
    assert PROFILES["showctl"].bundles is Bundles.HONOURED
    assert PROFILES["eos"].max_packet == 512


def test_transports_per_device():
    # Eos as it ships: TCP 3032 OSC 1.0 (length-prefixed), SLIP on 3037
    assert profile_for(device("eos")).wire is Transport.TCP_LENGTH
    assert profile_for(device("eos", transport="udp")).wire is Transport.UDP
    assert profile_for(device("eos", transport="tcp")).wire is Transport.TCP_LENGTH
    assert profile_for(device("eos", transport="tcp").model_copy(update={"port": 3037})) \
        .wire is Transport.TCP_SLIP
    assert profile_for(device("eos", framing="slip")).wire is Transport.TCP_SLIP
    assert profile_for(device("eos", transport="tcp", framing="length-prefixed")
                       .model_copy(update={"port": 3037})).wire is Transport.TCP_LENGTH
    assert profile_for(device("eos", transport="tcp-length-prefixed")).wire \
        is Transport.TCP_LENGTH
    with pytest.raises(ValueError, match="framing: slip is for transport: tcp"):
        _ = profile_for(device("eos", transport="udp", framing="slip")).wire
    assert profile_for(device("qlab", kind="audio", transport="tcp")).wire is Transport.TCP_SLIP
    with pytest.raises(ValueError, match="takes transport tcp-slip, udp, not "
                       "'tcp-length-prefixed': QLab's TCP is SLIP-framed"):
        _ = profile_for(device("qlab", kind="audio", transport="tcp-length-prefixed")).wire
    assert profile_for(device("pjlink", kind="projector")).wire is Transport.PJLINK


def test_pjlink_profile_speaks_pjlink_lines_not_osc():
    proj = profile_for(device("pjlink", kind="projector"))
    router = Router(Venue(venue="v", devices=(proj.device,)))
    assert [d for _, _, d in router.packets([Black("dev", 0.0)], None)] == \
        [b"%1AVMT 31\r"]
    assert [d for _, _, d in router.packets([Play("dev", "x", 0.0)], None)] == \
        [b"%1AVMT 30\r"]


def test_checks_refuse_what_a_product_cannot_take():
    assert profile_for(device("eos")).check(Lights("dev", "house-up", 0)) == \
        "cue 'house-up' is not an Eos cue number (5, 12.5)"
    assert "whole cue ids only" in profile_for(device("magicq")).check(
        Lights("dev", "2.5", 0))
    assert "not a Resolume clip" in profile_for(device("resolume", kind="screen")).check(
        Play("dev", "opening.mp4", 0))
    assert "not a disguise cue" in profile_for(device("disguise", kind="screen")).check(
        Play("dev", "1.2.3.4", 0))
    assert "cannot be an OSC path" in profile_for(device("qlcplus", transport="udp")).check(
        Lights("dev", "house up", 0))
    assert profile_for(device("qlcplus", transport="udp")).check(
        Lights("dev", "house-up", 0)) is None
    # over its web API a cue names a QLC+ function, spaces and all
    assert profile_for(device("qlcplus")).check(Lights("dev", "House up", 0)) is None
    assert "cannot name a QLC+ function" in profile_for(device("qlcplus")).check(
        Lights("dev", "a|b", 0))


def test_qlcplus_recalls_a_function_by_name_over_its_web_api():
    profile = profile_for(device("qlcplus"))
    assert profile.wire is Transport.WEBSOCKET and profile.answering
    assert [profile.encode(a, args) for a, args in
            profile.messages(Lights("dev", "House up", 2.0))] == [b"recall|House up"]
    raw = Osc("dev", "QLC+API|setFunctionStatus", (3, 0))
    assert [profile.encode(a, args) for a, args in profile.messages(raw)] == [
        b"QLC+API|setFunctionStatus|3|0"]
    assert profile.note() is None
    osc_profile = profile_for(device("qlcplus", transport="udp"))
    assert not osc_profile.answering and "toggles" in (osc_profile.note() or "")


def test_eos_bundles_never_exceed_its_512_bytes():
    dev = device("eos")
    router = Router(Venue(venue="v", devices=(dev,)))
    many = [Osc("dev", "/eos/newcmd", ("Chan 1 Thru 100 At 50 Enter " * 3,))
            for _ in range(6)]
    packets = router.packets(many, None)
    assert len(packets) == 6 and all(len(d) <= 512 for _, _, d in packets)


def test_the_worked_example_in_the_docs(tmp_path, capsys):
    import re
    from pathlib import Path

    import yaml

    from showctl.cli import main

    text = (Path(__file__).parents[2] / "docs" / "profiles.md").read_text()
    example = text.split("## Worked example", 1)[1]
    venue_part, show_part = re.findall(r"```yaml\n(.*?)```", example, re.S)[:2]
    (tmp_path / "config").mkdir()
    (tmp_path / "shows").mkdir()
    venue = {"venue": "example", "state_dir": str(tmp_path / "var"), **yaml.safe_load(venue_part)}
    (tmp_path / "config" / "venue.yaml").write_text(yaml.safe_dump(venue))
    (tmp_path / "shows" / "example.yaml").write_text(show_part)
    assert main(["cues", "example", "--config", str(tmp_path / "config" / "venue.yaml")]) == 0
    out = capsys.readouterr().out
    assert "desk     eos       plain messages at the instant (bundles refused); " \
        "tcp-length-prefixed 10.0.0.41:3032, packets up to 512 bytes" in out
    for line in ("house    QLC+ web API: start function 'house-out'",
                 "desk     /eos/cue/2/5/fire",
                 "screen1  /composition/layers/2/clips/3/connect 1",
                 "proj1    PJLink %1AVMT 30", "proj1    PJLink %1AVMT 31",
                 "screen1  /composition/layers/2/clear 1", "/composition/layers/2/clear 0",
                 "sound    /cue/12/start"):
        assert line in out, line


def test_a_sound_cue_for_qlab_must_be_a_qlab_cue_number(tmp_path):
    from showctl.files.errors import InvalidFiles
    from showctl.files.loader import load_config
    from tests.support import write_config

    show = {"id": "s", "cues": [{"id": "1", "at": 0, "sound": {"media": "score 7.wav"}}]}
    path = write_config(tmp_path, screens=1, shows=[show], venue_extra={"devices": [
        {"id": "sound", "kind": "audio", "port": 53000, "profile": "qlab"}]})
    with pytest.raises(InvalidFiles, match=r"sound \(qlab\): 'score 7.wav' is not a QLab cue"):
        load_config(path)
