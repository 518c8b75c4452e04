"""A second Stop during a stop's fade cuts to black (issue 22, point 7: it was refused,
"cannot stop while stopping"), and every refusal's advice fits the state it was given in
(no "stop the show first" while the show is stopping, "load a show first" for a GO while
idle). Real UDP receivers, a FakeClock (tests/core/room.py)."""

from __future__ import annotations

import pytest

from showctl.core.errors import CommandError
from tests.core.test_transport import SCREENS, reach, room  # noqa: F401  (the fixture)


async def test_a_second_stop_during_the_fade_cuts_to_black(room):  # noqa: F811
    c, clock = room.controller, room.clock
    await reach(room, "running")
    c.stop(10.0, by="web:alice")
    await clock.advance(1.0)
    assert c.state == "stopping"
    room.clear()
    c.stop(by="web:alice")  # again, a second into the 10 s fade
    await clock.advance(0)
    assert c.state == "idle"
    for screen in SCREENS:
        assert room.rx[screen].addresses() == [("/showctl/player/black", (0.0,))]
    assert room.rx["lights"].addresses() == [("/showctl/lights/cue", ("house-up", 0.0))]
    assert [d["state"] for d in room.kinds("state")] == ["idle"]
    assert room.kinds("run")[-1]["outcome"] == "stopped"
    await clock.advance(20.0)
    assert [d["state"] for d in room.kinds("state")] == ["idle"]  # the fade's end: nothing


async def test_refusals_advise_what_fits_the_state(room):  # noqa: F811
    c, clock = room.controller, room.clock
    with pytest.raises(CommandError, match=r"^cannot go while idle: load a show first$"):
        c.go(by="t")
    with pytest.raises(CommandError, match=r"cannot pause while idle: load a show and GO"):
        c.pause(by="t")
    await reach(room, "running")
    with pytest.raises(CommandError, match=r"cannot go while running: the show is already"):
        c.go(by="t")
    c.stop(10.0, by="t")
    await clock.advance(0)
    for refused in (lambda: c.load("holdy", by="t"), lambda: c.start("holdy", by="t")):
        with pytest.raises(CommandError) as why:
            refused()
        assert "stop the show first" not in str(why.value)
        assert "the show is stopping" in str(why.value)
        assert "Stop again to cut" in str(why.value)
