"""A reload (SIGHUP: `controller.reload()`) and the `osc` settings: passcode and allow
follow the venue in force, which the controller swaps in only while no show is loaded;
`osc.listen` needs a restart and says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.osc.clients import TcpClient
from tests.osc.rig import Rig, rig_with

pytestmark = pytest.mark.timeout(30)
PASSCODE = {"osc": {"allow": ["127.0.0.0/8"], "passcode": "s3same"}}


async def reload_with(rig: Rig, **osc: Any) -> None:
    """Rewrites the venue file's `osc` keys and reloads, as an operator and SIGHUP do."""
    path = Path(rig.controller.config.venue.source)
    venue = yaml.safe_load(path.read_text())
    venue["osc"].update(osc)
    path.write_text(yaml.safe_dump(venue, sort_keys=False))
    assert await rig.controller.reload() == []


async def test_a_passcode_set_by_reload_while_idle_applies_to_everyone(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING", logger="showctl.osc")
    async with rig_with(tmp_path) as rig:
        old, tcp = await rig.udp(), await rig.tcp()
        assert (await old.ask("/showctl/subscribe", 1))["status"] == "ok"
        assert (await tcp.ask("/showctl/status"))["status"] == "ok"
        await reload_with(rig, passcode="n3w")
        assert "osc.passcode changed" in caplog.text
        # a new host, and those that needed no passcode before (decision: a changed
        # passcode disconnects everyone, and their subscriptions end)
        for c in (await rig.udp("127.0.0.2"), old, tcp):
            refused = await c.ask("/showctl/schedule/hold")
            assert refused["status"] == "error" and "not connected" in refused["data"]
        assert not rig.controller.schedule_held and not rig.server.clients.subscribers
        assert (await old.ask("/showctl/connect", "n3w"))["status"] == "ok"
        assert (await old.ask("/showctl/schedule/hold"))["data"] == {"held": True}


async def test_a_changed_passcode_needs_connecting_again(tmp_path: Path) -> None:
    async with rig_with(tmp_path, **PASSCODE) as rig:
        c = await rig.udp()
        assert (await c.ask("/showctl/connect", "s3same"))["status"] == "ok"
        await reload_with(rig, passcode="n3w")
        assert "not connected" in (await c.ask("/showctl/status"))["data"]
        assert (await c.ask("/showctl/connect", "s3same"))["data"] == "wrong passcode"
        assert (await c.ask("/showctl/connect", "n3w"))["status"] == "ok"


async def test_a_passcode_removed_by_reload_lets_everyone_in(tmp_path: Path) -> None:
    async with rig_with(tmp_path, **PASSCODE) as rig:
        c, tcp = await rig.udp(), await rig.tcp()
        assert "not connected" in (await c.ask("/showctl/status"))["data"]
        await reload_with(rig, passcode=None)
        for client in (c, tcp, await rig.udp("127.0.0.2")):
            assert (await client.ask("/showctl/status"))["status"] == "ok"


async def test_a_passcode_waits_while_a_show_is_loaded_then_applies_once_idle(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING", logger="showctl.osc")
    async with rig_with(tmp_path) as rig:
        c = await rig.udp()
        assert (await c.ask("/showctl/load", "small"))["status"] == "ok"
        await reload_with(rig, passcode="n3w")  # the venue waits, as it does for the devices
        assert "applies with the rest of the venue" in caplog.text
        assert (await (await rig.udp("127.0.0.2")).ask("/showctl/status"))["status"] == "ok"
        await rig.clock.advance(0.2)
        assert (await c.ask("/showctl/stop", 0))["status"] == "ok"
        await rig.clock.advance(0.2)
        assert rig.controller.state == "idle"  # the controller swaps the venue in now
        refused = await (await rig.udp("127.0.0.3")).ask("/showctl/status")
        assert refused["status"] == "error" and "not connected" in refused["data"]


async def test_a_narrower_allow_closes_and_drops_the_hosts_left_out(tmp_path: Path) -> None:
    async with rig_with(tmp_path) as rig:
        stranger = await rig.udp("127.0.0.2")
        assert (await stranger.ask("/showctl/subscribe", 1))["status"] == "ok"
        tcp = await TcpClient.open(rig.port, "127.0.0.2")
        rig.opened.append(tcp)
        assert (await tcp.ask("/showctl/status"))["status"] == "ok"
        await reload_with(rig, allow=["127.0.0.1/32"])
        assert not rig.server.clients.subscribers
        with pytest.raises(ConnectionError):
            await tcp.next()
        stranger.send("/showctl/schedule/hold")
        friend = await rig.udp("127.0.0.1")
        assert (await friend.ask("/showctl/status"))["status"] == "ok"  # after the stranger's
        assert stranger.inbox.empty() and not rig.controller.schedule_held
        assert rig.counter("osc.denied") == 1


async def test_a_new_listen_address_is_logged_as_needing_a_restart(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("WARNING", logger="showctl.osc")
    async with rig_with(tmp_path) as rig:
        await reload_with(rig, listen="127.0.0.1:1")
        assert (f"osc.listen is now 127.0.0.1:1 in the venue file, but the OSC input stays "
                f"on 127.0.0.1:{rig.port} until showctl restarts") in caplog.text
        assert (await (await rig.udp()).ask("/showctl/status"))["status"] == "ok"
