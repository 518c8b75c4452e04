"""A device's own UDP link on the venue's LAN (issue 18): the controller's OSC input left
at its default host (127.0.0.1), an Eos console on another host. The link used to be
bound to 127.0.0.1, and Linux refuses to send from there to a LAN address (EINVAL):
the console never got a ping or a cue. It now binds where the device's route leaves
(or the OSC input's host when that is the address the route leaves from), and a link
that cannot send says why once, not at every ping."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from showctl.codec.osc import decode, encode_message
from tests.venue.show import DeviceSocket, RoomController, offline, room_venue

pytestmark = pytest.mark.timeout(60)
EOS_SHOW = {"id": "eos", "preroll": 0.2,
            "cues": [{"id": "1", "at": 0, "lights": {"cue": "5", "fade": 0}}]}


FEEDBACK = 8001
"""Eos over UDP answers on its OSC UDP TX port (the venue's feedback_port), not to the
source port: the emulator does as the console does."""


def eos(room, port: int, **more) -> dict:
    return {"id": "console", "kind": "lighting", "host": room.address("lighting"),
            "port": port, "profile": "eos", "transport": "udp", "feedback_port": FEEDBACK,
            **more}


async def _eos_answers(console: DeviceSocket, want: str, timeout: float = 8.0
                       ) -> tuple[str, tuple[str, int]]:
    """Plays the console: answers each ping (`/eos/out/ping` to where it came from) until
    a message at `want` arrives; that message's address and its source."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while (left := end - loop.time()) > 0:
        got = await console.next(left)
        assert got is not None, f"the console never got {want}"
        data, source = got
        for message in decode(data):
            if message.address == "/eos/ping":
                console.sock.sendto(encode_message("/eos/out/ping", "showctl"),
                                    (source[0], FEEDBACK))
            if message.address.startswith(want):
                return message.address, source
    raise AssertionError(f"the console never got {want}")


@pytest.mark.parametrize("listen", ["127.0.0.1", "0.0.0.0", "ctl"])
async def test_a_console_on_the_lan_gets_pings_and_cues(room, tmp_path: Path, listen):
    console = DeviceSocket(room, "lighting")
    host = room.address("ctl") if listen == "ctl" else listen
    venue = room_venue(room, tmp_path, devices=[eos(room, console.port)], shows=[EOS_SHOW],
                       osc={"listen": f"{host}:53300", "heartbeat_timeout": 1.5,
                            "allow": ["127.0.0.0/8", "198.18.0.10/32"]})
    try:
        async with await RoomController.launch(room, venue) as ctl:
            _, source = await _eos_answers(console, "/eos/ping")
            assert source[0] == room.address("ctl")  # from the LAN address, not 127.0.0.1
            client = await ctl.osc_client("ctl", to="127.0.0.1" if listen == "127.0.0.1"
                                          else room.address("ctl"))
            assert (await client.ok("/showctl/start", "eos")).startswith("prerolling")
            fired, _ = await _eos_answers(console, "/eos/cue/")
            assert fired == "/eos/cue/1/5/fire"
            status = await client.ok("/showctl/status")
            assert "console" not in offline(status)  # its answers reached the link
            assert not ctl.said("Invalid argument")
    finally:
        console.close()


async def test_a_link_that_cannot_send_says_why_once(room, tmp_path: Path):
    console = DeviceSocket(room, "lighting")
    # 198.19.0.x: the benchmarking range, but not the room's subnet: no route to them
    away = {**eos(room, 8000), "id": "away", "host": "198.19.0.32", "feedback_port": 8002}
    far = {"id": "far", "kind": "screen", "index": 1, "host": "198.19.0.21", "port": 9000}
    show = {"id": "eos", "preroll": 0.2, "cues": [
        {"id": str(n), "at": n * 0.1, "screens": "all", "play": {"media": "a.mp4"}}
        for n in range(1, 6)]}
    venue = room_venue(room, tmp_path, devices=[eos(room, console.port), away, far],
                       shows=[show], osc={"heartbeat_timeout": 0.6})  # a ping per 0.2 s
    try:
        async with await RoomController.launch(room, venue) as ctl:
            await _eos_answers(console, "/eos/ping")
            client = await ctl.osc_client("ctl", to="127.0.0.1")
            assert (await client.ok("/showctl/start", "eos")).startswith("prerolling")
            await ctl.read_for(1.5)  # seven pings or more, five cues to the far screen
            about = [line for line in ctl.lines if "198.19.0.32" in line]
            assert len(about) == 1, about
            assert "away" in about[0] and "unreachable" in about[0].lower(), about[0]
            about = [line for line in ctl.lines if "198.19.0.21" in line]
            assert len(about) == 1, about
            assert "unreachable" in about[0].lower(), about[0]
    finally:
        console.close()
