"""OSC power commands need the admin role (issue 21): off unless the venue sets
`osc.admin_passcode`; then a client connected with it, or the passcode as the command's
argument (UDP: one packet, whatever the source port). Wrong ones count toward the lockout."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.osc.rig import rig_with

ADMIN = "power-to-the-admin"


@pytest.mark.parametrize("address", ["/showctl/power/off", "/showctl/power/on"])
async def test_power_over_osc_is_off_by_default_even_from_an_allowed_address(
        tmp_path: Path, address: str) -> None:
    async with rig_with(tmp_path) as rig:
        rig.controller.load("small", by="test")
        rig.controller.go(by="test")
        before = rig.controller.state
        c = await rig.udp("127.0.0.99")  # inside osc.allow (127.0.0.0/8), no passcode
        reply = await c.ask(address)
        assert reply["status"] == "error"
        assert reply["data"].startswith("OSC power commands are off: the venue sets "
                                        "osc.admin_passcode")
        assert rig.controller.state == before != "idle"  # the show runs on
        assert rig.controller.power.state == "unknown"
        assert rig.counter("osc.forbidden") == 1


async def test_the_admin_passcode_opens_power_and_the_operators_does_not(
        tmp_path: Path) -> None:
    osc = {"allow": ["127.0.0.0/8"], "passcode": "operator-pass", "admin_passcode": ADMIN}
    async with rig_with(tmp_path, osc=osc) as rig:
        operator = await rig.udp()
        assert (await operator.ask("/showctl/connect", "operator-pass"))["data"] == "connected"
        refused = await operator.ask("/showctl/power/off")
        assert refused["status"] == "error" and "needs the admin role" in refused["data"]
        assert (await operator.ask("/showctl/power/off", "guess"))["data"] == \
            "wrong admin passcode"
        # UDP: the passcode in the packet itself (a forged source host does not carry it)
        done = await operator.ask("/showctl/power/off", ADMIN)
        assert done["status"] == "ok" and done["data"]["action"] == "off"
        assert rig.controller.power.state == "off"
        # TCP: connected as admin, per connection
        tcp = await rig.tcp()
        assert (await tcp.ask("/showctl/connect", ADMIN))["data"] == "connected as admin"
        assert (await tcp.ask("/showctl/power/on"))["status"] == "ok"
        other = await rig.tcp()
        assert (await other.ask("/showctl/connect", "operator-pass"))["status"] == "ok"
        assert (await other.ask("/showctl/power/on"))["status"] == "error"


async def test_wrong_admin_passcodes_lock_the_host_out(tmp_path: Path) -> None:
    async with rig_with(tmp_path, osc={"allow": ["127.0.0.0/8"], "admin_passcode": ADMIN}) \
            as rig:
        c = await rig.udp("127.0.0.7")
        for n in range(5):
            reply = await c.ask("/showctl/power/off", f"guess-{n}")
            assert reply["data"] == "wrong admin passcode"
        locked = await c.ask("/showctl/power/off", ADMIN)
        assert locked["status"] == "error" and "too many wrong passcodes" in locked["data"]
        assert rig.controller.power.state == "unknown"


def test_the_admin_passcode_must_differ_from_the_operators(tmp_path: Path) -> None:
    from showctl.files.loader import load_config
    from tests.support import write_config

    path = write_config(tmp_path, venue_extra={"osc": {"passcode": "same-pass1",
                                                       "admin_passcode": "same-pass1"}})
    with pytest.raises(Exception, match="admin_passcode must differ"):
        load_config(path)
