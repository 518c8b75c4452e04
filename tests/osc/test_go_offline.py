"""GO over OSC with devices offline says which (issue 22, point 7): it used to answer
"prerolling" alone, where the dashboard asks "GO anyway?"."""

from __future__ import annotations

import pytest

from tests.osc.rig import Rig

pytestmark = pytest.mark.timeout(30)


async def test_go_and_start_name_the_offline_devices(rig: Rig) -> None:
    c = await rig.udp()  # nothing has sent a heartbeat: every device is offline
    assert await c.ok("/showctl/load", "small") == "loaded"
    went = await c.ok("/showctl/go")
    assert went.startswith("prerolling; warning: ")
    assert "devices of this show offline (screen1, " in went
    assert await c.ok("/showctl/stop", 0.0) == "idle"
    for n in range(1, 10):
        rig.controller.heartbeat(f"screen{n}")
    rig.controller.heartbeat("lights")
    assert await c.ok("/showctl/start", "small") == "prerolling"  # all there: no warning
