"""The PJLink client (showctl.outputs.pjlink, on aiopjlink) against the PJLink
projector emulator (showctl.sim.projector) over real TCP on 127.0.0.1."""

import asyncio

import pytest

from showctl.outputs.pjlink import PjlinkAuthError, PjlinkError, PjlinkUnavailable, Projector
from showctl.sim.projector import ProjectorSim


class Time:
    """The emulator's clock, moved by the test (warm-up takes no real time)."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture
async def sim():
    time = Time()
    projector = ProjectorSim(password="sesame", warm_up=30, cool_down=60, clock=time)
    projector.time = time
    await projector.start()
    yield projector
    await projector.stop()


def client(sim, password="sesame", timeout=2.0):
    return Projector("127.0.0.1", sim.port, password, timeout=timeout)


async def test_power_on_goes_through_warming_to_on(sim):
    proj = client(sim)
    assert (await proj.status()).power == "off"
    await proj.power_on()
    status = await proj.status()
    assert status.power == "warming"
    assert status.input is None and status.shutter_closed is None  # ERR3 while warming
    with pytest.raises(PjlinkUnavailable, match="ERR3"):
        await proj.power_off()  # a projector refuses power while warming
    sim.time.now += 30
    status = await proj.status()
    assert status.power == "on"
    assert status.input == "31" and status.shutter_closed is False
    assert status.lamp_hours == 1234 and status.lamps == ((1234, True),)
    await proj.power_off()
    assert await proj.power() == "cooling"
    sim.time.now += 60
    assert await proj.power() == "off"
    assert sim.commands.count("%1POWR 1") == 1 and "%1POWR 0" in sim.commands


async def test_shutter_and_input(sim):
    proj = client(sim)
    await proj.power_on()
    sim.time.now += 30
    await proj.shutter(True)
    assert (await proj.status()).shutter_closed is True
    assert sim.video_muted and sim.audio_muted  # AV mute (31), as controllers send it
    await proj.shutter(False)
    await proj.shutter(True, mute="1")  # video only (11)
    assert sim.video_muted and not sim.audio_muted
    await proj.shutter(False, mute="1")
    await proj.set_input("11")
    status = await proj.status()
    assert (status.shutter_closed, status.input) == (False, "11")
    with pytest.raises(ValueError, match="not a PJLink input"):
        await proj.set_input("HDMI1")
    with pytest.raises(PjlinkError, match="refused"):
        await proj.set_input("59")  # no such input: ERR2


async def test_wrong_or_missing_password_is_refused_and_said(sim):
    with pytest.raises(PjlinkAuthError, match="wrong password"):
        await client(sim, password="open").status()
    with pytest.raises(PjlinkAuthError, match="no password set"):
        await client(sim, password=None).power_on()
    assert sim.auth_failures == 1 and sim.power == "0"  # nothing was done


async def test_no_password_projector():
    sim = ProjectorSim(password=None)
    await sim.start()
    try:
        assert (await Projector("127.0.0.1", sim.port).status()).power == "off"
    finally:
        await sim.stop()


async def test_an_error_flag_raised_shows_in_status(sim):
    proj = client(sim)
    assert (await proj.status()).faults == {}
    sim.fault("lamp", 2)
    sim.fault("fan", 1)
    status = await proj.status()
    assert status.faults == {"fan": "warning", "lamp": "error"}
    assert status.errors["temperature"] == "ok"
    assert status.as_json()["errors"]["lamp"] == "error"


async def test_a_projector_that_stops_answering_is_an_error_within_the_timeout(sim):
    proj = client(sim, timeout=0.3)
    await proj.status()
    sim.hang()
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(PjlinkError, match=r"no answer|did not send"):
        await proj.status()
    assert loop.time() - started < 2.0
    await sim.stop()
    with pytest.raises(PjlinkError, match=r"projector 127\.0\.0\.1"):
        await proj.status()  # nobody listening at all


async def test_showctl_simulate_answers_for_the_venue_s_projectors():
    from showctl.model import Device, Venue
    from showctl.sim import Simulator
    from tests.support import free_port

    port = free_port()
    venue = Venue(venue="v", devices=(Device(id="proj1", kind="projector", port=port,
                                             profile="pjlink", password="pw"),))
    lines: list[tuple[str, str]] = []
    sim = Simulator(venue, None, report=lambda device, line: lines.append((device, line)))
    await sim.start()
    try:
        proj = Projector("127.0.0.1", port, "pw", timeout=2)
        assert (await proj.status()).power == "off"
        await proj.power_on()
        assert lines == [("proj1", "PJLink %1POWR 1 -> %1POWR=OK")]  # polls are not said
    finally:
        await sim.stop()


async def test_connection_failures_are_said_in_plain_words(sim):
    """Issue 22: "os timeout - [Errno 111] Connect call failed ('127.0.0.1', 14352)" was a
    refusal, not a timeout: each failure now says which it is and what to look at."""
    port = sim.port
    await sim.stop()  # nothing listens there any more: the kernel refuses
    with pytest.raises(PjlinkError) as refused:
        await Projector("127.0.0.1", port, "sesame", timeout=0.5).status()
    text = str(refused.value)
    assert text.startswith(f"projector 127.0.0.1:{port}: refused the connection: nothing "
                           f"listens on port {port}"), text
    assert "Errno" not in text and "os timeout" not in text
    with pytest.raises(PjlinkAuthError, match="wrong password"):
        await sim.start()
        await client(sim, password="not-it").status()
    sim.hang()  # connected, never a word back
    with pytest.raises(PjlinkError, match=r": timed out: no answer within 0\.3 s"):
        await client(sim, timeout=0.3).status()


async def test_commands_that_follow_each_other_share_one_connection(sim):
    proj = client(sim)
    await proj.power_on()
    sim.time.now += 30
    for closed in (True, False, True):
        await proj.shutter(closed)
    await proj.status()
    assert sim.connections == 1 and proj.connects == 1
    await proj.close()


async def test_a_connection_idle_for_a_while_is_closed_and_opened_again(sim):
    proj = Projector("127.0.0.1", sim.port, "sesame", timeout=2.0, idle=0.05)
    await proj.power()
    async with asyncio.timeout(5):
        while proj._pj is not None:  # closed by its idle timer
            await asyncio.sleep(0.01)
    await proj.power()
    assert sim.connections == 2
    await proj.close()


async def test_a_command_goes_before_the_rest_of_a_poll(sim):
    """A slow projector (0.1 s an answer): a shutter command sent while a status poll
    (five queries) is under way waits for the one answer asked for, not the poll."""
    proj = client(sim)
    await proj.power_on()
    sim.time.now += 30
    await proj.power()  # connected
    sim.delay = 0.1
    sim.commands.clear()
    poll = asyncio.create_task(proj.status())
    async with asyncio.timeout(5):
        while not sim.commands:  # the poll's first query is being answered
            await asyncio.sleep(0.005)
    await proj.shutter(True)
    assert not poll.done()  # the command was answered before the poll ended
    status = await poll
    assert sim.commands[:2] == ["%1POWR ?", "%1AVMT 31"], sim.commands
    assert status.power == "on" and status.shutter_closed is True
    await proj.close()


async def test_the_link_polls_at_its_period_however_often_it_is_asked(sim):
    from showctl.outputs.links import PjlinkLink

    now = Time()
    seen = []
    link = PjlinkLink(client(sim), seen.append, period=5.0, now=now)
    for t in (0.0, 1.0, 4.9):
        now.now = t
        link.poll_soon()
        await asyncio.gather(*link._tasks)
    now.now = 5.0
    link.poll_soon()
    await asyncio.gather(*link._tasks)
    assert link.polls == 2 and len(seen) == 2
    link.close()
    await link._closing


def test_an_input_is_checked_against_the_projector_s_class(tmp_path):
    from showctl.files.kinds import load_venue

    path = tmp_path / "venue.yaml"
    path.write_text("venue: room\nsafe_look: {lights: null}\ndevices:\n"
                    "  - {id: p1, kind: projector, profile: pjlink, input: '3A'}\n"
                    "  - {id: p2, kind: projector, profile: pjlink, input: '3A', "
                    "pjlink_class: 2}\n"
                    "  - {id: p3, kind: projector, profile: pjlink, input: '61'}\n"
                    "  - {id: p4, kind: projector, profile: pjlink, input: '31', "
                    "shutter: video, poll_interval: 10}\n")
    loaded = load_venue(path)
    assert [str(e).split(":", 1)[1] for e in loaded.errors] == [
        "4:55: input '3A' is not a PJLink class 1 input (types 1-5, numbers 1-9, e.g. "
        "'31'); a class 2 projector takes it: pjlink_class: 2",
        "6:55: input '61' is not a PJLink class 1 input (types 1-5, numbers 1-9, e.g. "
        "'31'); a class 2 projector takes it: pjlink_class: 2"]


async def test_the_emulator_hangs_up_on_an_idle_connection(sim):
    """PJLink 4.1: the projector closes a connection idle for 30 s (here 0.1 s)."""
    sim.idle_close = 0.1
    reader, writer = await asyncio.open_connection("127.0.0.1", sim.port)
    assert (await asyncio.wait_for(reader.readuntil(b"\r"), 5)).startswith(b"PJLINK 1 ")
    assert await asyncio.wait_for(reader.read(100), 5) == b""  # hung up, unasked
    writer.close()
    proj = client(sim)  # and the client opens a fresh one when its own was closed
    await proj.power()
    sim_idle = sim.connections
    async with asyncio.timeout(5):
        while len(sim._conns):
            await asyncio.sleep(0.01)  # the projector hung up on the client too
    await proj.power()
    assert sim.connections == sim_idle + 1
    await proj.close()
