"""Two controllers on loopback (tests/standby/pair.py): the standby follows and sends
nothing to any device, takes the timeline over on its anchor, the epoch rises, the older
active yields, commands are refused on the standby."""

import asyncio

import pytest

from showctl.core.errors import CommandError
from tests.standby.pair import PEERS, open_pair


@pytest.fixture
async def pair(tmp_path):
    pair = await open_pair(tmp_path)
    yield pair
    await pair.close()


def sent(controller) -> tuple[int, int]:
    sender = controller.engine.dispatcher.sender
    return sender.sent, sender.dropped


def lights_cues(room):
    return [(g.timetag, m) for g in room.rx["lights"].got for m in g.messages
            if m[0] == "/showctl/lights/cue"]


def clock_epochs(room, device="screen1"):
    return [m[1][3] if len(m[1]) > 3 else 0 for g in room.rx[device].got for m in g.messages
            if m[0] == "/showctl/player/clock"]


async def test_the_standby_follows_and_sends_nothing(pair):
    room, a, b = pair.room, pair.a, pair.b
    pair.fa.keepalived_state("MASTER")
    assert (pair.fa.role, pair.fb.role) == ("active", "standby")
    a.start("ring", by="test")
    await room.clock.advance(3.0)
    await pair.heard(pair.fb)
    status = b.status()["standby"]
    assert status["role"] == "standby" and status["peer"] == PEERS[0]
    assert status["following"] is True
    assert status["followed"]["show"] == "ring" and status["followed"]["state"] == "running"
    assert status["followed"]["time"] == pytest.approx(a.status()["time"], abs=0.01)
    assert status["findings"] == []
    assert sent(b)[0] == 0  # nothing from the standby, ever
    assert a.status()["standby"]["following"] is True  # the active sees its standby
    with pytest.raises(CommandError, match="standby controller"):
        b.go(by="web:alice")
    with pytest.raises(CommandError, match="standby controller"):
        b.hold_schedule(by="osc:127.0.0.1")


async def test_takeover_continues_the_same_timeline(pair):
    """A dies at t=3 (it sends nothing more); B takes over at t=4 on A's anchor: the cue
    at 5 s and the one at 8 s carry exactly the instants A had planned, the players get
    only clocks (no play: they never stop) with B's newer epoch."""
    room, a, b = pair.room, pair.a, pair.b
    pair.fa.keepalived_state("MASTER")
    a.start("ring", by="test")
    await room.clock.advance(3.0)
    await pair.heard(pair.fb)
    t0_wall = a.timeline()["t0_wall"]
    await pair.fa.stop()
    a.mute(True)  # killed: not a datagram more
    room.clear()
    await room.clock.advance(1.0)
    pair.fb.keepalived_state("MASTER")
    assert pair.fb.role == "active" and pair.fb.epoch == pair.fa.epoch + 1
    assert b.state == "running" and b.status()["time"] == pytest.approx(3.5, abs=1e-3)
    assert b.timeline()["t0_wall"] == pytest.approx(t0_wall, abs=1e-6)
    await room.clock.advance(5.0)
    cues = lights_cues(room)
    assert cues and cues[-1][1] == ("/showctl/lights/cue", ("warm", 1.0))
    assert cues[-1][0] == pytest.approx(t0_wall + 5.0, abs=1e-6)
    front = [g for g in room.rx["screen1"].got for m in g.messages
             if m[0] == "/showctl/player/play"]
    assert [g.timetag for g in front] == [pytest.approx(t0_wall + 8.0, abs=1e-6)]
    assert not [m for g in room.rx["screen5"].got for m in g.messages
                if m[0] in ("/showctl/player/play", "/showctl/player/load",
                            "/showctl/player/stop", "/showctl/player/black")]
    assert set(clock_epochs(room, "screen5")) == {pair.fb.epoch}
    takeover = b.status()["standby"]["last_takeover"]
    assert takeover["by"] == PEERS[1] and takeover["epoch"] == pair.fb.epoch
    assert [e for e in room.kinds("b.run")][-1]["event"] == "start"


async def test_the_older_active_yields(pair):
    """A partition heals with both active: the one with the older epoch yields at once,
    muted, and asks its keepalived to let the address go (the fault file)."""
    room, a, b = pair.room, pair.a, pair.b
    pair.fa.keepalived_state("MASTER")
    a.start("ring", by="test")
    await room.clock.advance(2.0)
    await pair.heard(pair.fb)
    pair.fb.keepalived_state("MASTER")  # B thinks A is gone
    assert pair.fb.epoch > pair.fa.epoch
    await pair.heard(pair.fa)
    await room.clock.advance(0.2)
    assert (pair.fa.role, pair.fb.role) == ("standby", "active")
    assert a.muted and not b.muted
    assert (a.config.venue.state_dir / "standby-fault").read_text().strip() == "1"
    pair.fa.keepalived_state("FAULT")  # what keepalived does with the fault file
    await pair.heard(pair.fa)  # the peer's keepalived holds the address: fault off
    assert (a.config.venue.state_dir / "standby-fault").read_text().strip() == "0"


async def test_manual_demote_hands_over_without_a_gap(pair):
    """`showctl standby demote` on the active one: it mutes, hands its picture over, the
    peer promotes at once on it (no keepalived involved in the switch itself)."""
    room, a, b = pair.room, pair.a, pair.b
    pair.fa.keepalived_state("MASTER")
    a.start("ring", by="test")
    await room.clock.advance(2.0)
    await pair.heard(pair.fb)
    t0_wall = a.timeline()["t0_wall"]
    result = pair.fa.manual_demote("test")
    assert result["role"] == "standby" and a.muted
    await pair.heard(pair.fb)
    assert pair.fb.role == "active" and b.state == "running"
    assert b.timeline()["t0_wall"] == pytest.approx(t0_wall, abs=1e-6)
    room.clear()
    await room.clock.advance(3.5)
    assert lights_cues(room)[-1][0] == pytest.approx(t0_wall + 5.0, abs=1e-6)


async def test_holding_and_schedule_hold_are_taken_over(pair):
    room, a, b = pair.room, pair.a, pair.b
    pair.fa.keepalived_state("MASTER")
    a.set_volume(-6.0, by="test")
    a.hold_schedule(by="test")
    a.start("ring", by="test")
    await room.clock.advance(0.5 + 13.0)
    assert a.state == "holding"
    await pair.heard(pair.fb)
    await pair.fa.stop()
    a.mute(True)
    pair.fb.keepalived_state("MASTER")
    assert b.state == "holding" and b.status()["time"] == pytest.approx(12.0)
    assert b.schedule_held and b.volume == -6.0
    room.clear()
    await room.clock.advance(1.5)
    assert clock_epochs(room) and set(clock_epochs(room)) == {pair.fb.epoch}


async def test_a_bad_key_is_refused_and_counted(tmp_path):
    pair = await open_pair(tmp_path, key_b=b"another-key-entirely-0123456789")
    try:
        pair.fa.keepalived_state("MASTER")
        await pair.room.clock.advance(0.5)
        await asyncio.wait_for(pair.fb.heard.wait(), 1.0)  # B admits nothing
    except TimeoutError:
        pass
    finally:
        refused = pair.fb.link.refused
        status = pair.fb.as_json()
        await pair.close()
    assert refused.get("signature", 0) > 0
    assert status["following"] is False and status["findings"]


async def test_metrics_say_the_role_the_replication_and_the_epoch(pair):
    from showctl.web.metrics import RoomMetrics as Metrics

    pair.fa.keepalived_state("MASTER")
    await pair.heard(pair.fb)
    await pair.room.clock.advance(0.2)
    text = Metrics(pair.a).render().decode()
    metrics_b = Metrics(pair.b)
    text_b = metrics_b.render().decode()
    assert f'showctl_standby_active{{me="{PEERS[0]}",peer="{PEERS[1]}"}} 1.0' in text
    assert f'showctl_standby_active{{me="{PEERS[1]}",peer="{PEERS[0]}"}} 0.0' in text_b
    assert "showctl_standby_following 1.0" in text_b
    assert "showctl_standby_epoch 1.0" in text


async def test_a_takeover_and_a_lost_replication_are_alerts(pair):
    from showctl.alerts.rules import from_event
    from showctl.core.events import STANDBY

    seen = []
    pair.b.bus.subscribe(lambda e: seen.append(e) if e.kind == STANDBY else None)
    pair.fa.keepalived_state("MASTER")
    await pair.heard(pair.fb)
    await pair.room.clock.advance(0.2)
    await pair.fa.stop()  # the active one gone: the standby stops following
    await pair.room.clock.advance(1.5)
    pair.fb.keepalived_state("MASTER")
    alerts = [from_event(e) for e in seen]
    kinds = [a.kind for a in alerts if a is not None]
    assert kinds == ["standby_following", "standby_not_following", "takeover"], kinds
    assert "TAKEOVER" in alerts[-1].text and PEERS[1] in alerts[-1].text


async def test_a_shutdown_of_the_active_one_hands_the_show_over(pair):
    """SIGTERM on the active controller (maintenance): the peer takes the show over,
    this one ends muted (its shutdown's panic reaches no device)."""
    pair.fa.keepalived_state("MASTER")
    pair.a.start("ring", by="test")
    await pair.room.clock.advance(2.0)
    await pair.heard(pair.fb)
    await pair.fa.stop_active_faces()
    await pair.heard(pair.fb)
    assert (pair.fa.role, pair.fb.role) == ("standby", "active")
    assert pair.a.muted and pair.a.state == "idle" and pair.b.state == "running"
