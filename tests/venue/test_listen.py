"""The controller listening on the venue's LAN (issue 18): on its LAN address and on
every address (0.0.0.0), an integrator's control system on another host reaches the OSC
input over UDP and TCP and the dashboard; `osc.allow` lets in the hosts it names and
only them; the dashboard's Host check takes the LAN address and the names of
`web.hosts`, and still refuses any other name (DNS rebinding)."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from showctl.web.auth import token_hash
from tests.osc.clients import TcpClient
from tests.venue.show import OSC_PORT, WEB_PORT, RoomController, room_venue

pytestmark = pytest.mark.timeout(60)
TOKEN = "integrator-token-0123456789"


async def tcp_client(room, host: str, to: str) -> TcpClient:
    loop = asyncio.get_running_loop()
    sock = room.socket(host, socket.SOCK_STREAM)
    sock.setblocking(False)
    await asyncio.wait_for(loop.sock_connect(sock, (to, OSC_PORT)), 3)
    reader, writer = await asyncio.open_connection(sock=sock)
    return TcpClient(reader, writer)


def http(room, host: str, to: str, path: str, name: str | None = None) -> int:
    """curl on `host`: the status code of GET `path` (Host: `name`, default the address)."""
    out = room.exec(host, ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                           "--max-time", "5", "-H", f"Host: {name or to}:{WEB_PORT}",
                           "-H", f"Authorization: Bearer {TOKEN}",
                           f"http://{to}:{WEB_PORT}{path}"], check=False)
    return int(out.stdout or 0)


@pytest.mark.parametrize("listen", ["lan", "0.0.0.0"])
async def test_an_integrator_on_another_host_reaches_osc_and_the_dashboard(
        room, tmp_path: Path, listen):
    ctl_address = room.address("ctl")
    host = ctl_address if listen == "lan" else listen
    venue = room_venue(
        room, tmp_path,
        osc={"listen": f"{host}:{OSC_PORT}", "allow": [f"{room.address('integrator')}/32"]},
        web={"listen": f"{host}:{WEB_PORT}", "hosts": ["showctl.venue"],
             "tokens": [{"name": "crestron", "role": "operator",
                         "token_hash": token_hash(TOKEN)}]})
    async with await RoomController.launch(room, venue) as ctl:
        udp = await ctl.osc_client("integrator")
        status = await udp.ok("/showctl/status")
        assert status["state"] == "idle"
        tcp = await tcp_client(room, "integrator", ctl_address)
        try:
            reply = await tcp.ask("/showctl/status")
            assert reply["status"] == "ok", reply
        finally:
            tcp.close()
        # the dashboard: by its LAN address and by a name of web.hosts; not another name
        assert http(room, "integrator", ctl_address, "/api/status") == 200
        assert http(room, "integrator", ctl_address, "/api/status", "showctl.venue") == 200
        assert http(room, "integrator", ctl_address, "/api/status", "evil.example") == 400
        # a host osc.allow does not name is refused, and the refusal says who
        stranger = await ctl.osc_client("screen1")
        stranger.send("/showctl/status")
        with pytest.raises(TimeoutError):
            await stranger.next(0.7)
        await ctl.wait_for(f"from {room.address('screen1')}: not in osc.allow", 5)
        with pytest.raises((ConnectionError, TimeoutError, OSError)):
            denied = await tcp_client(room, "screen1", ctl_address)
            try:
                await denied.ask("/showctl/status")
            finally:
                denied.close()
