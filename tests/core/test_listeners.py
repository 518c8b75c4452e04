"""Listeners never see a half-changed core (issue 10, fault 8): events go out once the
command (or the timeline step) that made them has completed, and a command issued from
inside a listener is refused rather than run in the middle of another command."""

import asyncio

from showctl.core import events
from showctl.core.errors import CommandError


async def test_a_listener_that_loads_on_idle_is_refused_and_the_core_stays_whole(room):
    c, clock = room.controller, room.clock
    refused: list[str] = []

    def load_on_idle(event):
        if event.kind == events.STATE and event.data["state"] == "idle":
            try:
                c.load("small", by="listener")
            except CommandError as exc:
                refused.append(str(exc))

    c.bus.subscribe(load_on_idle)
    c.start("small", by="operator:ann")
    await clock.advance(1.0)
    c.stop(0, by="operator:ann")
    assert refused and "inside an event listener" in refused[0]
    assert c.state == "idle" and c.show is None
    c.start("small", by="operator:ann")  # the next show starts as if nothing happened
    await clock.advance(1.0)
    assert c.state == "running" and c.show.id == "small"


async def test_a_command_handed_on_from_a_listener_runs_after_it(room):
    c, clock = room.controller, room.clock
    loop = asyncio.get_running_loop()

    def load_on_idle(event):
        if event.kind == events.STATE and event.data["state"] == "idle":
            loop.call_soon(lambda: c.load("small", by="listener"))

    c.bus.subscribe(load_on_idle)
    c.start("small", by="operator:ann")
    await clock.advance(1.0)
    c.stop(0, by="operator:ann")
    await asyncio.sleep(0)
    assert c.state == "loaded" and c.show.id == "small"
    c.go(by="operator:ann")
    await clock.advance(1.0)
    assert c.state == "running"


async def test_every_event_finds_the_core_as_its_command_left_it(room):
    c, clock = room.controller, room.clock
    seen: list[tuple[str, str | None, str, str | None]] = []

    def look(event):
        seen.append((event.kind, event.data.get("state") or event.data.get("event"),
                     c.state, c.show.id if c.show else None))

    c.bus.subscribe(look)
    c.start("small", by="operator:ann")  # load then go: one command
    assert ("state", "loaded", "prerolling", "small") in seen
    assert ("run", "start", "prerolling", "small") in seen
    seen.clear()
    await clock.advance(10.0)  # the show runs to its end
    assert ("state", "idle", "idle", None) in seen
    assert ("run", "end", "idle", None) in seen
    assert all(state != "idle" or show is None for _, _, state, show in seen)
