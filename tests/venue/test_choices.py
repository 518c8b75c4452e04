"""What the room tests prove end to end, checked without the room (no root needed): where
a device's own UDP link binds, and which devices `--simulate` moves to 127.0.0.1. Only
loopback is probed (a UDP `connect` sends nothing)."""

from __future__ import annotations

import yaml

from showctl.files.loader import load_config
from showctl.outputs.links import bind_address
from showctl.sim.here import Relocation, on_this_machine
from tests.support import write_config


def test_a_link_binds_where_its_route_leaves_or_the_listen_host():
    assert bind_address("0.0.0.0", ("127.0.0.5", 8000)) == "0.0.0.0"  # a wildcard: as is
    assert bind_address("127.0.0.1", ("127.0.0.5", 8000)) == "127.0.0.1"  # on its route
    assert bind_address("127.0.0.1", None) == "0.0.0.0"  # a name not resolved yet
    assert bind_address("::1", None) == "::"


def test_simulate_moves_the_devices_of_other_hosts_and_names_what_it_cannot_serve(tmp_path):
    path = write_config(tmp_path, screens=2)
    data = yaml.safe_load(path.read_text())
    data["devices"][0]["host"] = "198.18.0.21"
    data["devices"].append({"id": "crestron", "kind": "osc", "host": "198.18.0.40",
                            "port": 9100})
    path.write_text(yaml.safe_dump(data))
    config = load_config(path)
    relocation = Relocation(("screen", "audio", "lighting"))
    moved = relocation.apply(config)
    first = moved.venue.devices[0]
    assert (first.id, first.host) == ("screen1", "127.0.0.1")
    assert first.port == relocation.ports["screen1"]
    assert moved.venue.devices[1] == config.venue.devices[1]  # on this machine: as written
    again = relocation.apply(load_config(path))  # a reload: the same place
    assert again.venue.devices[0].port == first.port
    assert "screen1" in (relocation.moved() or "")
    assert relocation.unserved == {"crestron"}
    assert relocation.notes == ["crestron at 198.18.0.40:9100 is not served here: an osc "
                                "device (the simulator has no model of it)"]
    assert "crestron" not in {d.id for d in relocation.simulated(moved.venue).devices}
    assert on_this_machine("127.0.0.1") and on_this_machine("localhost")
    assert not on_this_machine("198.18.0.21") and not on_this_machine("screen1.venue")
