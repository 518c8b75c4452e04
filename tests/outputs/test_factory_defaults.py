"""Ports and transports as the products ship them: a device that gives no `port:` gets
its product's factory port for its transport, read from a real venue file; a transport
the product cannot use is refused at its line with the reason."""

from __future__ import annotations

import textwrap

from showctl.files.kinds import load_venue
from showctl.outputs.profiles import Transport, profile_for


def venue(tmp_path, devices: str):
    path = tmp_path / "venue.yaml"
    path.write_text("venue: room\nsafe_look: {lights: \"99\"}\ndevices:\n"
                    + textwrap.indent(textwrap.dedent(devices), "  "))
    return load_venue(path)


def test_each_product_gets_its_factory_port_and_transport(tmp_path):
    loaded = venue(tmp_path, """\
        - {id: desk, kind: lighting, profile: eos}
        - {id: desk-slip, kind: lighting, profile: eos, framing: slip}
        - {id: desk-tcp, kind: lighting, profile: eos, transport: tcp}
        - {id: desk-udp, kind: lighting, profile: eos, transport: udp, feedback_port: 8001}
        - {id: sound, kind: audio, profile: qlab}
        - {id: sound-tcp, kind: audio, profile: qlab, transport: tcp}
        - {id: ma, kind: lighting, profile: grandma3}
        - {id: house, kind: lighting, profile: qlcplus}
        - {id: house-osc, kind: lighting, profile: qlcplus, transport: udp}
        - {id: wall, kind: screen, index: 1, profile: resolume}
        - {id: side, kind: screen, index: 2, profile: millumin}
        - {id: proj, kind: projector, profile: pjlink}
        - {id: dmx, kind: lighting, profile: ola}
        - {id: mine, kind: lighting, profile: eos, port: 4703}
        """)
    assert loaded.errors == []
    assert loaded.model is not None
    got = {d.id: (d.port, profile_for(d).wire) for d in loaded.model.devices}
    assert got == {
        "desk": (3032, Transport.TCP_LENGTH), "desk-slip": (3037, Transport.TCP_SLIP),
        "desk-tcp": (3032, Transport.TCP_LENGTH), "desk-udp": (8000, Transport.UDP),
        "sound": (53000, Transport.UDP), "sound-tcp": (53000, Transport.TCP_SLIP),
        "ma": (8000, Transport.UDP), "house": (9999, Transport.WEBSOCKET),
        "house-osc": (7700, Transport.UDP), "wall": (7000, Transport.UDP),
        "side": (5000, Transport.UDP), "proj": (4352, Transport.PJLINK),
        "dmx": (7770, Transport.UDP), "mine": (4703, Transport.TCP_LENGTH)}


def test_a_product_without_a_factory_port_needs_one_and_a_refused_transport_says_why(tmp_path):
    loaded = venue(tmp_path, """\
        - {id: screen1, kind: screen, index: 1}
        - {id: sound, kind: audio, profile: qlab, transport: tcp-length-prefixed}
        - {id: desk, kind: lighting, profile: eos, transport: udp, framing: slip}
        - {id: ma, kind: lighting, profile: grandma3, port: 8000, transport: tcp}
        """)
    assert [str(e).split(":", 1)[1] for e in loaded.errors] == [
        "4:5: missing `port`",
        "5:56: profile 'qlab' takes transport tcp-slip, udp, not 'tcp-length-prefixed': "
        "QLab's TCP is SLIP-framed (OSC 1.1), on the same port as UDP",
        "6:57: framing: slip is for transport: tcp, not udp",
        "7:72: transport: profile 'grandma3' does not take it (only eos, qlab, qlcplus, "
        "showctl): the manual documents OSC lines over UDP",
    ]


def test_validate_notes_the_devices_whose_liveness_will_be_unknown(tmp_path):
    import subprocess
    import sys

    import yaml

    from tests.support import write_config

    path = write_config(tmp_path, screens=1, shows=[])
    raw = yaml.safe_load(path.read_text())
    raw["devices"] = [
        {"id": "screen1", "kind": "screen", "index": 1, "profile": "resolume"},
        {"id": "house", "kind": "lighting", "profile": "qlcplus", "transport": "udp"},
        {"id": "desk", "kind": "lighting", "profile": "eos", "transport": "udp"},
        {"id": "desk2", "kind": "lighting", "profile": "eos"},
    ]
    raw["safe_look"] = {"lights": "99"}
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    done = subprocess.run([sys.executable, "-m", "showctl", "validate", "--config", str(path)],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    notes = [line.split(": note: ", 1)[1] for line in done.stdout.splitlines()
             if ": note: " in line]
    assert notes == [
        "screen1 (resolume): liveness unknown: Resolume's OSC output sends what changes, "
        "nothing while it is idle: silence would not mean it is gone",
        "house (qlcplus): liveness unknown: QLC+'s OSC input answers nothing: transport "
        "websocket (its web API) does",
        "house (qlcplus): QLC+ over OSC presses a Virtual Console button, which toggles: a "
        "cue recalled while it is up (fired twice, the safe look on the safe look, PANIC) "
        "turns it off. Use transport: websocket (QLC+'s web API, port 9999)",
        "desk (eos): liveness unknown: over UDP Eos answers /eos/ping on its OSC UDP TX "
        "port: give that port as the device's feedback_port (or use TCP, its default)",
    ]
    assert all(line.startswith(f"{path}:") for line in done.stdout.splitlines()
               if ": note: " in line)


def test_the_documented_factory_default_devices_load(tmp_path):
    """docs/profiles.md, "Each product at its factory defaults": every device line there
    is a valid device, and gets the port the table says."""
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "profiles.md").read_text()
    table = text.split("## Each product at its factory defaults", 1)[1].split("\n### ", 1)[0]
    lines = re.findall(r"^\| [^|]+ \| `(\{id: [^`]+\})`", table, re.M)
    assert len(lines) == 10
    loaded = venue(tmp_path, "".join(f"- {line}\n" for line in lines))
    assert loaded.errors == []
    assert loaded.model is not None
    ports = {d.id: d.port for d in loaded.model.devices}
    assert ports == {"desk": 3032, "sound": 53000, "ma": 8000, "mq": 8000, "house": 9999,
                     "wall": 7000, "side": 5000, "d3": 7401, "proj1": 4352, "dmx": 7770}
