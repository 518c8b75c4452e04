"""Wake-on-LAN on the venue's network (issue 18), caught on the PCs' own hosts: the
limited broadcast out of the interface the venue names (a show LAN has no default route,
and 255.255.255.255 follows it: ENETUNREACH), and a directed broadcast to the PCs' own
subnet through a router, which reaches that subnet and no other."""

from __future__ import annotations

import os
import select
import sys
from pathlib import Path

import pytest

from showctl.outputs.wol import magic_packet
from tests.venue.room import room_fixture
from tests.venue.show import ROOT, room_venue

pytestmark = pytest.mark.timeout(60)
room = room_fixture("module", hosts={"ctl": "198.18.0.10", "screen1": "198.18.0.21",
                                     "screen2": "198.18.0.22"})
MAC = "00:11:22:33:44:01"
FAR_MAC = "00:11:22:33:44:99"


@pytest.fixture(scope="module")
def subnet(room):
    room.add_subnet({"wolpc": "198.18.1.21"})
    return room


def catcher(room, host: str):
    return room.socket(host, bind=9, address="0.0.0.0")  # broadcasts: the wildcard only


def caught(sock, timeout: float = 2.0) -> list[bytes]:
    got = []
    while select.select([sock], [], [], timeout)[0]:
        got.append(sock.recv(2048))
        timeout = 0.2  # the rest of the three repeats
    return got


def power_on(room, tmp: Path, wake_on_lan: dict) -> str:
    """`showctl power on` on the controller's host (no controller running: the sequence
    runs there, as on a technician's morning)."""
    devices = [{"id": "screen1", "kind": "screen", "index": 1, "host": room.address("screen1"),
                "port": 9000, "mac": MAC},
               {"id": "wolpc", "kind": "screen", "index": 2, "host": "198.18.1.21",
                "port": 9000, "mac": FAR_MAC}]
    venue = room_venue(room, tmp, devices=devices, extra={
        "wake_on_lan": wake_on_lan, "check": {"warm_up_timeout": 0.5}})
    done = room.exec("ctl", [sys.executable, "-m", "showctl", "power", "on", "--config",
                             str(venue)], check=False, env={**os.environ,
                                                            "PYTHONPATH": str(ROOT)})
    return done.stdout + done.stderr


def test_the_limited_broadcast_leaves_by_the_interface_the_venue_names(subnet, tmp_path):
    near, far = catcher(subnet, "screen1"), catcher(subnet, "wolpc")
    try:
        said = power_on(subnet, tmp_path / "default", {"port": 9})
        assert "Network is unreachable" in said and "wake_on_lan.interface" in said, said
        assert caught(near, 0.5) == []
        said = power_on(subnet, tmp_path / "eth0", {"port": 9, "interface": "eth0"})
        packets = caught(near)
        assert packets.count(magic_packet(MAC)) == 3, said
        assert caught(far, 0.3) == []  # a limited broadcast stays on its segment
        said = power_on(subnet, tmp_path / "nope", {"port": 9, "interface": "eth9"})
        assert "no interface 'eth9'" in said, said
    finally:
        near.close()
        far.close()


def test_a_directed_broadcast_reaches_the_pcs_subnet_through_the_router(subnet, tmp_path):
    near, far = catcher(subnet, "screen1"), catcher(subnet, "wolpc")
    try:
        said = power_on(subnet, tmp_path, {"address": "198.18.1.255", "port": 9})
        packets = caught(far)
        assert packets.count(magic_packet(FAR_MAC)) == 3, said
        assert caught(near, 0.3) == []  # not the controller's own subnet
    finally:
        near.close()
        far.close()


def test_the_venue_names_its_interface_and_a_wrong_one_is_refused(tmp_path):
    from showctl.files.errors import InvalidFiles
    from showctl.files.loader import load_config
    from tests.support import write_config

    path = write_config(tmp_path, venue_extra={"wake_on_lan": {"interface": "eth 1;rm"}})
    with pytest.raises(InvalidFiles) as caught_error:
        load_config(path)
    assert "venue.yaml:" in str(caught_error.value) and "interface" in str(caught_error.value)
