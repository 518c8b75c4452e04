"""UDP replies fit one safe datagram (issue 22, point 7): the status was 8.5 KB in one
UDP datagram, past the controller's own 8192-byte input limit. Over UDP it is compact
(under UDP_SAFE with nine screens, every one offline and named); over TCP, whole."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from showctl.codec.osc import decode, encode_message
from showctl.osc.compact import UDP_SAFE
from tests.osc.rig import Rig

pytestmark = pytest.mark.timeout(30)


async def test_the_status_over_udp_is_one_safe_datagram_and_whole_over_tcp(rig: Rig) -> None:
    rig.controller.load("small", by="test")
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.setblocking(False)
    try:
        await loop.sock_sendto(sock, encode_message("/showctl/status"), ("127.0.0.1", rig.port))
        datagram = await asyncio.wait_for(loop.sock_recv(sock, 65536), 5)
    finally:
        sock.close()
    assert len(datagram) <= UDP_SAFE, len(datagram)
    data = json.loads(decode(datagram)[0].args[0])["data"]
    assert data["compact"] is True and "over TCP" in data["full"]
    assert data["state"] == "loaded" and data["show"]["id"] == "small"
    assert data["devices"]["total"] == 10 and len(data["devices"]["offline_ids"]) == 10
    tcp = await rig.tcp()
    try:
        whole = (await tcp.ask("/showctl/status"))["data"]
    finally:
        tcp.close()
    assert len(json.dumps(whole)) > UDP_SAFE and len(whole["devices"]) == 10
