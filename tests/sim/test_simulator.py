"""The simulator on real sockets: acts at timetags without blocking, heartbeats, state."""

import asyncio
import socket
import time

import pytest
from pythonosc.osc_message import OscMessage

from showctl.codec.osc import encode_bundle, encode_message
from showctl.files.loader import load_config
from showctl.model.player_status import PlayerStatus
from showctl.sim import Simulator
from tests.support import write_config

WAIT = 10.0
"""Seconds any awaited line may take: generous, it bounds a failing test only."""


class Inbox(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()

    def datagram_received(self, data, addr):
        self.queue.put_nowait(data)


@pytest.fixture
async def sim_env(tmp_path):
    config = load_config(write_config(tmp_path))
    loop = asyncio.get_running_loop()
    transport, inbox = await loop.create_datagram_endpoint(
        Inbox, local_addr=config.venue.osc.listen)
    lines: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    sim = Simulator(config.venue, config.venue.osc.listen,
                    report=lambda d, line: lines.put_nowait((d, line)))
    await sim.start()
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    yield config.venue, sim, inbox, lines, sender
    sender.close()
    await sim.stop()
    transport.close()


def send(sender, venue, device_id, data):
    device = venue.device(device_id)
    sender.sendto(data, (device.host, device.port))


async def test_a_bundle_acts_at_its_timetag_not_at_arrival_and_the_loop_runs_on(sim_env):
    venue, sim, _, lines, sender = sim_env
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    task = asyncio.create_task(ticker())
    tag = time.time() + 0.3
    for n in (1, 2):
        send(sender, venue, f"screen{n}",
             encode_bundle(tag, [encode_message("/showctl/player/play", f"m{n}.mp4", 4.0)]))
    sent = time.time()
    _, line = await asyncio.wait_for(lines.get(), WAIT)
    acted = time.time()
    assert sent < tag - 0.25 and acted >= tag - 0.002, "acted at the timetag, not on arrival"
    assert ticks >= 10, "the loop kept running while the bundle waited"
    assert "/showctl/player/play 'm" in line and "timetag" in line
    await asyncio.wait_for(lines.get(), WAIT)
    task.cancel()
    for n in (1, 2):
        screen = sim.devices[f"screen{n}"]
        assert screen.state == "playing" and screen.media == f"m{n}.mp4"
        assert 4.0 <= screen.position < 5.0


async def test_player_state_follows_commands(sim_env):
    venue, sim, _, lines, sender = sim_env
    for address, args in [("/showctl/player/load", ("a.mp4", 10.0)),
                          ("/showctl/player/resume", ()),
                          ("/showctl/player/pause", ()),
                          ("/showctl/player/seek", (30.0,)),
                          ("/showctl/player/volume", (-6.0, 2.0))]:
        send(sender, venue, "screen3", encode_message(address, *args))
        await asyncio.wait_for(lines.get(), WAIT)
    screen = sim.devices["screen3"]
    assert (screen.state, screen.media, screen.position, screen.volume) == (
        "paused", "a.mp4", 30.0, -6.0)
    # a clock says where the show is: a paused or lost player rejoins there (one line),
    # one already playing that media is only corrected, quietly
    send(sender, venue, "screen3", encode_message("/showctl/player/clock", 12.5, "b.mp4", 3.0))
    assert (await asyncio.wait_for(lines.get(), WAIT))[1] == \
        "/showctl/player/clock 12.5 'b.mp4' 3.0"
    assert (screen.state, screen.media, screen.show_time) == ("playing", "b.mp4", 12.5)
    assert 3.0 <= screen.position < 3.5
    send(sender, venue, "screen3", encode_message("/showctl/player/clock", 13.5, "b.mp4", 4.0))
    send(sender, venue, "screen3", encode_message("/showctl/player/pause"))
    assert (await asyncio.wait_for(lines.get(), WAIT))[1] == "/showctl/player/pause"
    assert screen.show_time == 13.5 and screen.position == pytest.approx(4.0, abs=0.2)
    send(sender, venue, "screen3", encode_message("/showctl/player/black", 1.0))
    await asyncio.wait_for(lines.get(), WAIT)
    assert (screen.state, screen.media) == ("black", None)
    send(sender, venue, "lights", encode_message("/showctl/lights/cue", "house-up", 2.0))
    await asyncio.wait_for(lines.get(), WAIT)
    assert sim.devices["lights"].lights == "house-up"


async def test_settle_returns_once_the_devices_are_as_asked(sim_env):
    venue, sim, _, _, sender = sim_env
    screens = [sim.devices[f"screen{n}"] for n in range(1, 10)]
    all_playing = asyncio.ensure_future(sim.settle(
        lambda: all(s.state == "playing" for s in screens)))
    for n in range(1, 9):
        send(sender, venue, f"screen{n}", encode_message("/showctl/player/play", "a.mp4", 0.0))
    done, _ = await asyncio.wait({all_playing}, timeout=0.3)
    assert not done  # screen9 has not been told yet
    send(sender, venue, "screen9", encode_message("/showctl/player/play", "a.mp4", 0.0))
    await asyncio.wait_for(all_playing, WAIT)


async def test_garbage_and_unknown_addresses_are_reported_not_fatal(sim_env):
    venue, sim, _, lines, sender = sim_env
    send(sender, venue, "screen1", b"\x00garbage")
    _, line = await asyncio.wait_for(lines.get(), WAIT)
    assert line.startswith("ignored: malformed packet: neither an OSC message") and sim.errors == 1
    send(sender, venue, "screen1", encode_message("/showctl/player/play", "no-position.mp4"))
    _, line = await asyncio.wait_for(lines.get(), WAIT)
    assert line.endswith("(takes 2 argument(s), got 1: ignored)")  # the player's own words
    send(sender, venue, "screen1", encode_message("/showctl/player/seek", 77.4))
    _, line = await asyncio.wait_for(lines.get(), WAIT)
    assert line == "/showctl/player/seek 77.4"  # not the float32's 77.4000015258789
    send(sender, venue, "screen1", encode_message("/showctl/player/volume", 86399.123, 0.5))
    _, line = await asyncio.wait_for(lines.get(), WAIT)
    assert line == "/showctl/player/volume 86399.125 0.5"  # the float32 nearest 86399.123, whole
    send(sender, venue, "screen1", encode_message("/showctl/player/clock", 1.0, "a.mp4"))
    _, line = await asyncio.wait_for(lines.get(), WAIT)
    assert line.endswith("(takes 1 or 3 or 4 argument(s), got 2: ignored)")
    for bad in [("/showctl/player/seek", ("x",)), ("/showctl/player/play", ("a.mp4", "x"))]:
        send(sender, venue, "screen1", encode_message(bad[0], *bad[1]))
        _, line = await asyncio.wait_for(lines.get(), WAIT)
        assert line.endswith("must be a number, got 'x': ignored)"), line
    send(sender, venue, "screen1", encode_message("/what/ever", 1))
    _, line = await asyncio.wait_for(lines.get(), WAIT)
    assert "unknown address" in line
    send(sender, venue, "screen1", encode_message("/showctl/player/play", "ok.mp4", 0.0))
    await asyncio.wait_for(lines.get(), WAIT)
    assert sim.devices["screen1"].state == "playing"


async def test_every_device_says_it_is_alive_from_its_own_port(sim_env):
    """Players report their status as a showctl player does (a heartbeat too), the
    lighting sends heartbeats."""
    venue, sim, inbox, _, sender = sim_env
    send(sender, venue, "screen2", encode_message("/showctl/player/play", "a.mp4", 4.0))
    seen: dict[str, PlayerStatus | None] = {}
    while len(seen) < len(sim.devices) or seen["screen2"].state != "playing":
        data = await asyncio.wait_for(inbox.queue.get(), WAIT)
        msg = OscMessage(data)
        if msg.address == "/showctl/heartbeat":
            seen[msg.params[0]] = None
        else:
            assert msg.address == "/showctl/player/status"
            seen[msg.params[0]] = PlayerStatus.from_json(msg.params[1])
    assert set(seen) == {d.id for d in venue.devices}
    assert seen["lights"] is None
    assert seen["screen1"].state == "idle" and seen["screen1"].device == "screen1"
    assert seen["screen2"].media == "a.mp4" and 4.0 <= seen["screen2"].position < 6.0


async def test_start_fails_clearly_when_a_port_is_taken(tmp_path):
    config = load_config(write_config(tmp_path))
    device = config.venue.devices[0]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind((device.host, device.port))
        sim = Simulator(config.venue, None)
        with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{device.port}"):
            await sim.start()
