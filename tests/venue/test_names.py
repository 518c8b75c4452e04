"""Devices by host name on the venue's network (issue 18): the names come from the
controller host's own hosts file (`/etc/netns/NS/hosts`, its /etc/hosts), a screen and
an Eos console (its own UDP link) are reached by name, their replies and heartbeats
count from the addresses the names give, and a name that stops resolving mid-show keeps
its last address: the next cues still arrive, and the log says so once."""

from __future__ import annotations

import asyncio
import signal

import pytest

from showctl.codec.osc import decode, encode_message
from tests.venue.show import DeviceSocket, RoomController, room_venue

pytestmark = pytest.mark.timeout(90)
FEEDBACK = 8001  # Eos over UDP answers on its TX port, the venue's feedback_port
SHOW = {"id": "named", "preroll": 0.2, "cues": [
    {"id": str(n), "at": (n - 1) * 1.5, "screens": "all", "play": {"media": f"m{n}.mp4"},
     "lights": {"cue": str(n), "fade": 0}} for n in range(1, 5)]}


async def messages(device: DeviceSocket, want: str, timeout: float = 6.0,
                   answer: bool = False) -> tuple[list[str], str]:
    """Addresses a device got until one starting with `want`; and its source address.
    `answer`: an Eos that answers pings."""
    seen: list[str] = []
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while (left := end - loop.time()) > 0:
        got = await device.next(left)
        if got is None:
            break
        data, source = got
        for message in decode(data):
            seen.append(message.address)
            if answer and message.address == "/eos/ping":
                device.sock.sendto(encode_message("/eos/out/ping"), (source[0], FEEDBACK))
            if message.address.startswith(want):
                return seen, source[0]
    raise AssertionError(f"never got {want}; got {seen}")


async def test_devices_by_name_and_a_name_that_stops_resolving_mid_show(room, tmp_path):
    screen, console = DeviceSocket(room, "screen1", 9000), DeviceSocket(room, "lighting")
    names = {"screen1.venue": room.address("screen1"), "console.venue": room.address("lighting")}
    room.hosts_file("ctl", names)
    devices = [{"id": "screen1", "kind": "screen", "index": 1, "host": "screen1.venue",
                "port": 9000},
               {"id": "console", "kind": "lighting", "host": "console.venue",
                "port": console.port, "profile": "eos", "transport": "udp",
                "feedback_port": FEEDBACK}]
    venue = room_venue(room, tmp_path, devices=devices, shows=[SHOW],
                       osc={"heartbeat_timeout": 3.0, "listen": "0.0.0.0:53300",
                            "allow": ["127.0.0.0/8", "198.18.0.0/24"]})
    try:
        async with await RoomController.launch(room, venue) as ctl:
            _, source = await messages(console, "/eos/ping", answer=True)
            assert source == room.address("ctl")
            await ctl.wait_for("device console online", 5)
            # the screen's heartbeat counts from the address its name gives
            own = await ctl.osc_client("screen1")
            assert await own.ok("/showctl/heartbeat", "screen1") == "screen1"
            other = await ctl.osc_client("screen2")
            assert (await other.ask("/showctl/heartbeat", "screen1"))["status"] == "error"

            client = await ctl.osc_client("ctl", to="127.0.0.1")
            assert (await client.ok("/showctl/start", "named")).startswith("prerolling")
            await messages(screen, "/showctl/player/play")
            await messages(console, "/eos/cue/1/1/fire", answer=True)
            # mid-show the names stop resolving (the DNS entry deleted); a reload asks again
            room.hosts_file("ctl", {})
            ctl.proc.send_signal(signal.SIGHUP)
            await ctl.wait_for("cannot resolve console.venue", 10)
            for n in (2, 3):
                await messages(console, f"/eos/cue/1/{n}/fire", answer=True)
            plays = 1  # the first cue's, read above
            while (got := screen.receive(0.5)) is not None:
                plays += sum(m.address == "/showctl/player/play" for m in decode(got[0]))
            assert plays >= 3  # cues 2 and 3 reached the screen at its last address
            assert not ctl.said("Invalid argument") and not ctl.said("Traceback")
            assert len(ctl.said("cannot resolve console.venue")) == 1
            assert "still using 198.18.0.32" in ctl.said("cannot resolve console.venue")[0]
    finally:
        room.hosts_file("ctl", {})
        screen.close()
        console.close()
