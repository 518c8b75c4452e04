"""OSC/TCP input in both framings, told apart per connection (issue 22, point 7): liblo's
`oscsend osc.tcp://` (OSC 1.0, an int32 length before each packet) used to be ignored
silently; now it is understood and answered in its own framing, next to SLIP clients.
A stream that is neither is answered and logged, then closed."""

from __future__ import annotations

import asyncio
import shutil
import struct

import pytest

from showctl.codec import slip
from showctl.codec.framing import LengthDecoder
from showctl.codec.osc import decode, encode_message
from tests.osc.clients import TcpClient, body
from tests.osc.rig import Rig

pytestmark = pytest.mark.timeout(30)


class LengthClient:
    """One TCP connection speaking OSC 1.0's length-prefixed framing."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.decoder = LengthDecoder(1 << 20)

    @classmethod
    async def open(cls, port: int) -> LengthClient:
        return cls(*await asyncio.open_connection("127.0.0.1", port))

    async def ask(self, address: str, *args: object) -> dict:
        packet = encode_message(address, *args)
        self.writer.write(struct.pack(">I", len(packet)) + packet)
        async with asyncio.timeout(5):
            while True:
                data = await self.reader.read(65536)
                assert data, "closed by the server"
                packets, errors = self.decoder.feed(data)
                assert not errors
                for p in packets:
                    for message in decode(p):
                        if message.address.startswith("/showctl/reply"):
                            return body(message)

    def close(self) -> None:
        self.writer.close()


async def test_length_prefixed_and_slip_clients_side_by_side(rig: Rig) -> None:
    framed = await LengthClient.open(rig.port)
    slipped = await TcpClient.open(rig.port)
    try:
        reply = await framed.ask("/showctl/load", "small")
        assert reply["status"] == "ok", reply
        assert rig.controller.state == "loaded"
        assert (await slipped.ask("/showctl/status"))["status"] == "ok"  # SLIP as before
        refused = await framed.ask("/showctl/resume")  # answered in its framing, errors too
        assert refused["status"] == "error"
    finally:
        framed.close()
        slipped.close()


@pytest.mark.skipif(not shutil.which("oscsend"), reason="liblo-tools not installed")
async def test_liblo_oscsend_over_tcp_is_understood(rig: Rig) -> None:
    proc = await asyncio.create_subprocess_exec(
        "oscsend", f"osc.tcp://127.0.0.1:{rig.port}", "/showctl/load", "s", "small",
        stderr=asyncio.subprocess.PIPE)
    _, err = await asyncio.wait_for(proc.communicate(), 15)
    assert proc.returncode == 0, err
    async with asyncio.timeout(5):
        while rig.controller.state != "loaded":
            await asyncio.sleep(0.01)  # oscsend gives no reply to wait on: look again


async def test_a_stream_in_neither_framing_is_answered_and_closed(rig: Rig,
                                                                  caplog) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", rig.port)
    try:
        writer.write(b"GET / HTTP/1.1\r\n\r\n")
        data = await asyncio.wait_for(reader.read(), 5)  # until the server closes
        packets, _ = slip.SlipDecoder(1 << 20).feed(data)
        reply = body(decode(packets[0])[0])
        assert reply["status"] == "error"
        assert "cannot tell the TCP framing: first byte 0x47" in reply["data"]
        assert "cannot tell the TCP framing" in caplog.text
    finally:
        writer.close()
