"""A device host's cable pulled mid-show (issue 18): its link down in its own namespace.
It is offline within the liveness timeout, the other screens get every bundle of the
show as early as before, and it is online again once the cable is back."""

from __future__ import annotations

import asyncio
import contextlib
import statistics
import time

import pytest

from tests.venue.show import DeviceSocket, RoomController, room_venue, screens_on, timetag

pytestmark = pytest.mark.timeout(90)
CUES = 40
STEP = 0.25
SHOW = {"id": "pulse", "preroll": 0.5, "cues": [
    {"id": str(n), "at": round(n * STEP, 3), "screens": "all",
     "play": {"media": f"m{n}.mp4"}} for n in range(CUES)]}
TIMEOUT = 1.0


async def heartbeats(clients: dict, stop: asyncio.Event) -> None:
    """Each screen says it is alive every 0.2 s from its own host (as a player does); a
    host whose cable is out cannot (the send fails there)."""
    while not stop.is_set():
        for device, client in clients.items():
            with contextlib.suppress(OSError):
                client.send("/showctl/heartbeat", device)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.2)


def collect(device: DeviceSocket, until: float) -> list[tuple[float, float]]:
    """(timetag, kernel arrival) of every bundle that carries a play, until wall `until`."""
    got = []
    while (left := until - time.time()) > 0:
        packet = device.receive_stamped(left)
        if packet is None:
            break
        data, arrival = packet
        tag = timetag(data)
        if tag is not None and b"/showctl/player/play" in data:
            got.append((tag, arrival))
    return got


async def test_a_pulled_cable_mid_show(room, tmp_path):
    screens = ["screen1", "screen2", "screen3"]
    sockets = {s: DeviceSocket(room, s, 9000) for s in screens}
    for device in sockets.values():
        device.stamp()
    venue = room_venue(room, tmp_path, devices=screens_on(room, count=3), shows=[SHOW],
                       osc={"listen": "0.0.0.0:53300", "heartbeat_timeout": TIMEOUT,
                            "allow": ["127.0.0.0/8", "198.18.0.0/24"]})
    stop = asyncio.Event()
    try:
        async with await RoomController.launch(room, venue) as ctl:
            clients = {s: await ctl.osc_client(s) for s in screens}
            pump = asyncio.create_task(heartbeats(clients, stop))
            for s in screens:
                await ctl.wait_for(f"device {s} online", 5)
            control = await ctl.osc_client("integrator")
            assert (await control.ok("/showctl/start", "pulse")).startswith("prerolling")
            loop = asyncio.get_running_loop()
            end = time.time() + 0.5 + CUES * STEP + 1.0
            listening = {s: asyncio.to_thread(collect, sockets[s], end)
                         for s in ("screen1", "screen3")}
            tasks = {s: asyncio.ensure_future(c) for s, c in listening.items()}
            await asyncio.sleep(3.0)  # the show is under way: pull screen2's cable
            pulled = loop.time()
            room.link_down("screen2")
            try:
                line = await ctl.wait_for("device screen2 OFFLINE", TIMEOUT + 2.0)
                went = loop.time() - pulled
                await asyncio.sleep(2.0)
            finally:
                room.link_up("screen2")
            await ctl.wait_for("device screen2 online", 5)
            got = {s: await t for s, t in tasks.items()}
            stop.set()
            await pump
            assert "OFFLINE" in line and went <= TIMEOUT + 1.0, went
            for s, bundles in got.items():
                assert len(bundles) == CUES, (s, len(bundles))
                early = [tag - arrival for tag, arrival in bundles]
                assert min(early) > 0, (s, min(early))  # every bundle before its instant
                # the cable out (cues ~10-20) changed nothing for the others
                before, during = early[:10], early[12:22]
                assert abs(statistics.median(during) - statistics.median(before)) < 0.005
    finally:
        stop.set()
        room.link_up("screen2")
        for device in sockets.values():
            device.close()
