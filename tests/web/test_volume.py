"""`POST /api/volume {db, fade}` over real HTTP: operators and admins only, the values
checked by the core, the level in status and at the audio device's UDP port."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from showctl.codec.osc import decode
from showctl.core.clock import FakeClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.web import make_app
from tests.core.room import add_devices
from tests.support import write_config
from tests.web.conftest import bearer, login, web_section


class Port(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.got: list[tuple[str, tuple[Any, ...]]] = []

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.got += [(m.address, m.args) for m in decode(data)]


@pytest.fixture
async def room(tmp_path, aiohttp_client):
    path = write_config(tmp_path, venue_extra={"web": web_section(), "volume": -6})
    add_devices(path, {"id": "sound", "kind": "audio"})
    ctl = Controller(load_config(path), FakeClock())
    device = ctl.venue.device("sound")
    transport, port = await asyncio.get_running_loop().create_datagram_endpoint(
        Port, local_addr=(device.host, device.port))
    client = await aiohttp_client(make_app(ctl))
    yield ctl, client, port
    transport.close()
    await ctl.close()


async def test_an_operator_sets_the_master_volume(room):
    ctl, client, port = room
    res = await client.post("/api/volume", json={"db": -9, "fade": 2}, headers=bearer("operator"))
    body = await res.json()
    assert res.status == 200, body
    assert body["status"]["volume"] == {"db": -9.0, "fade": 2.0, "by": "web:operator-bot",
                                        "at": pytest.approx(ctl.clock.time())}
    async with asyncio.timeout(10):
        while ("/showctl/player/volume", (-9.0, 2.0)) not in port.got:
            await asyncio.sleep(0.01)
    headers = await login(client, "admin")
    res = await client.post("/api/volume", json={"db": 0}, headers=headers)
    assert res.status == 200 and ctl.volume == 0.0


async def test_a_viewer_cannot_and_bad_values_are_refused(room):
    ctl, client, port = room
    headers = await login(client, "viewer")
    res = await client.post("/api/volume", json={"db": 0}, headers=headers)
    assert res.status == 403 and "viewer" in (await res.json())["error"]
    op = bearer("operator")
    for body, says in (({"db": 20}, "must be -80 (silent) to +12 dB"),
                       ({"db": "-6"}, "is not a number of dB"),
                       ({"db": -6, "fade": "slow"}, "is not a number of seconds"),
                       ({"fade": 2}, 'volume needs {"db"'),
                       ({"db": -6, "fdae": 2}, 'unknown field "fdae"')):
        res = await client.post("/api/volume", json=body, headers=op)
        assert res.status == 400 and says in (await res.json())["error"], body
    assert ctl.volume == -6.0 and port.got == []
