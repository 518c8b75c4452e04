"""`/showctl/volume f dB [f fade]` over real UDP: the reply, the audio device's level
(cue level + master), refusals counted; kept across a restart in state_dir."""

from __future__ import annotations

import asyncio

import pytest

from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.volumefile import VolumeFile
from tests.osc.rig import rig_with

pytestmark = pytest.mark.timeout(30)
AUDIO = ({"id": "sound", "kind": "audio"},)


async def test_the_master_volume_over_osc_reaches_the_audio_device(tmp_path):
    async with rig_with(tmp_path, extra_devices=AUDIO, volume=-6) as rig:
        c = await rig.udp()
        reply = await c.ask("/showctl/volume", -12.5, 3.0)
        assert reply == {"address": "/showctl/volume", "status": "ok", "data": {"db": -12.5}}
        assert await rig.screens["sound"].wait_for("/showctl/player/volume") == (-12.5, 3.0)
        assert rig.screens["screen1"].addresses() == []  # screens have no level
        status = rig.controller.status()
        assert status["volume"]["db"] == -12.5 and status["volume"]["by"].startswith("osc:")
        reply = await c.ask("/showctl/volume", 0)  # a whole number, no fade
        assert reply["status"] == "ok" and rig.controller.volume == 0.0


async def test_subscribers_see_the_master_volume_move(tmp_path):
    """A Crestron or Q-SYS panel's volume fader follows changes made elsewhere."""
    async with rig_with(tmp_path, extra_devices=AUDIO) as rig:
        panel, other = await rig.udp(), await rig.udp()
        assert (await panel.ask("/showctl/subscribe", 1))["status"] == "ok"
        assert (await other.ask("/showctl/volume", -9.0, 2.0))["status"] == "ok"
        while True:
            address, body = await panel.next()
            if address == "/showctl/event/volume":
                break
        assert body["db"] == -9.0 and body["fade"] == 2.0 and body["by"].startswith("osc:")


@pytest.mark.parametrize(("args", "says"), [
    ((-90.0,), "volume -90 dB must be -80 (silent) to +12 dB"),
    ((3.0, -1.0), "fade -1 must be 0 to 600 seconds"),
    (("loud",), "argument 1 (dB) must be f (a number), got s 'loud'"),
    ((), "/showctl/volume takes f dB [f fade], got 0 arguments"),
])
async def test_a_bad_volume_is_refused_counted_and_changes_nothing(tmp_path, args, says):
    async with rig_with(tmp_path, extra_devices=AUDIO) as rig:
        c = await rig.udp()
        reply = await c.ask("/showctl/volume", *args)
        assert reply["status"] == "error" and says in reply["data"], reply
        assert rig.controller.volume == 0.0 and rig.counter("osc.errors") == 1
        await asyncio.sleep(0.05)
        assert rig.screens["sound"].got == []


async def test_the_master_volume_is_kept_across_a_restart(tmp_path):
    """Set by the operator, then the process ends: the next controller starts at that
    level, not the venue's; a venue whose own `volume:` changed meanwhile wins."""
    async with rig_with(tmp_path, extra_devices=AUDIO, volume=-6) as rig:
        kept = VolumeFile(rig.controller)
        kept.restore()
        assert rig.controller.volume == -6.0  # nothing kept yet: the venue's level
        assert (await (await rig.udp()).ask("/showctl/volume", -20.0))["status"] == "ok"
        await rig.screens["sound"].wait_for("/showctl/player/volume")
        rig.screens["sound"].got.clear()
        await asyncio.sleep(0)  # written after the burst
        kept.stop()
        path = rig.controller.config.venue.source
        again = Controller(load_config(path), rig.clock)
        VolumeFile(again).restore()
        assert again.volume == -20.0 and again.status()["volume"]["by"] == "restart"
        assert await rig.screens["sound"].wait_for("/showctl/player/volume") == (-20.0, 0.0)
        await again.close()
        path.write_text(path.read_text().replace("volume: -6", "volume: -3"))
        third = Controller(load_config(path), rig.clock)
        VolumeFile(third).restore()
        assert third.volume == -3.0
        await third.close()
