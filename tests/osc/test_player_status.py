"""`/showctl/player/status s device s JSON` over real UDP: a heartbeat, the latest report
per device in status() (`confirmed`), the flag on a player that is not where it was told
to be (`mismatch`), `player` events on change; malformed reports answered and counted."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.osc.rig import Rig

pytestmark = pytest.mark.timeout(30)


def report(rig: Rig, device: str = "screen1", **fields: Any) -> str:
    body = {"device": device, "state": "idle", "sent_at": rig.clock.time(), **fields}
    return json.dumps(body)


def device(rig: Rig, device_id: str) -> dict[str, Any]:
    return next(d for d in rig.controller.status()["devices"] if d["id"] == device_id)


async def test_a_report_is_a_heartbeat_and_is_kept_for_status(rig: Rig) -> None:
    events: list[Any] = []
    rig.controller.bus.subscribe(lambda e: events.append(e) if e.kind == "player" else None)
    c = await rig.udp()
    body = report(rig, state="idle", clock_offset_ms=0.4, dropped_frames=2,
                  decoder_dropped_frames=1, missing=["pano_1.mp4"])
    reply = await c.ask("/showctl/player/status", "screen1", body)
    assert reply == {"address": "/showctl/player/status", "status": "ok", "data": "screen1"}
    got = device(rig, "screen1")
    assert got["online"] is True and got["mismatch"] is None
    assert got["confirmed"] == {
        "state": "idle", "media": None, "position": None, "sync_error_ms": None,
        "clock_offset_ms": 0.4, "dropped_frames": 3, "delayed_frames": 0, "volume_db": None,
        "missing": ["pano_1.mp4"], "reported_at": rig.clock.time()}
    assert [e.data["device"] for e in events] == ["screen1"]
    await rig.clock.advance(1.0)
    await c.ask("/showctl/player/status", "screen1", body)  # nothing new: no event
    assert len(events) == 1 and device(rig, "screen1")["confirmed"]["reported_at"] == \
        rig.clock.time()


async def test_a_player_not_where_it_was_told_is_flagged_with_why(rig: Rig) -> None:
    ctl = rig.controller
    ctl.load("small", by="test")
    ctl.go(by="test")
    await rig.clock.advance(0.5 + 1.5)  # t=1.5: every screen plays pano_N.mp4 from t=1
    c = await rig.udp()

    async def flag(**fields: Any) -> str | None:
        reply = await c.ask("/showctl/player/status", "screen4",
                            report(rig, "screen4", **fields))
        assert reply["status"] == "ok", reply
        return device(rig, "screen4")["mismatch"]

    assert await flag(state="playing", media="pano_4.mp4", position=0.5) is None
    assert await flag(state="playing", media="pano_4.mp4", position=0.52) is None
    assert await flag(state="playing", media="pano_4.mp4", position=0.6) == \
        "+100 ms off (2.5 frames)"
    # the player's own filtered error against the clock wins over one sample
    assert await flag(state="playing", media="pano_4.mp4", position=0.6,
                      sync_error_ms=-12.0) is None
    assert await flag(state="playing", media="f.mp4", position=0.5) == \
        "plays 'f.mp4', told 'pano_4.mp4'"
    assert await flag(state="paused", media="pano_4.mp4", position=0.5) == \
        "paused, told playing"
    # a report made before the command took effect is not judged by it
    assert await flag(state="loaded", media="pano_4.mp4", position=0.0,
                      sent_at=rig.clock.time() - 0.6) is None
    flags = [e for e in ctl.status()["devices"] if e["mismatch"]]
    assert flags == []


async def test_malformed_reports_are_answered_counted_and_change_nothing(rig: Rig) -> None:
    c = await rig.udp()
    for args, says in [
        (("screen1", "{not json"), "player status is not JSON"),
        (("screen1", json.dumps({"device": "screen1"})), "player status: state: Field required"),
        (("screen1", json.dumps({"device": "screen1", "state": "dancing"})), "state"),
        (("screen1", report(rig, "screen2")), "the status is of 'screen2', sent as 'screen1'"),
        (("screen99", report(rig, "screen99")), "no device 'screen99' in the venue"),
        (("lights", report(rig, "lights")), "'lights' is a lighting device, not a player"),
    ]:
        reply = await c.ask("/showctl/player/status", *args)
        assert reply["status"] == "error" and says in reply["data"], (args, reply)
    assert rig.counter("player.bad_status") == 4 and rig.counter("osc.errors") == 6
    assert all(d["confirmed"] is None and not d["online"]
               for d in rig.controller.status()["devices"])
