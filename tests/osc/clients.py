"""Test clients of the OSC input: real UDP and TCP/SLIP sockets on loopback."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from showctl.codec import slip
from showctl.codec.osc import decode, encode_message

WAIT = 3.0


def body(message: Any) -> Any:
    """A reply's or event's JSON; the arguments themselves of the plain-OSC time push."""
    if message.address == "/showctl/event/time":
        return message.args
    return json.loads(message.args[0])


class UdpClient(asyncio.DatagramProtocol):
    """Sends from its own socket (bound to `host`) and queues what comes back."""

    def __init__(self) -> None:
        self.inbox: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        self.transport: asyncio.DatagramTransport | None = None
        self.target: tuple[str, int] = ("127.0.0.1", 0)

    @classmethod
    async def open(cls, port: int, host: str = "127.0.0.1", bind_port: int = 0) -> UdpClient:
        loop = asyncio.get_running_loop()
        _, client = await loop.create_datagram_endpoint(cls, local_addr=(host, bind_port))
        client.target = ("127.0.0.1", port)
        return client

    @property
    def port(self) -> int:
        assert self.transport is not None
        return self.transport.get_extra_info("sockname")[1]

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: Any) -> None:
        for message in decode(data):
            self.inbox.put_nowait((message.address, body(message)))

    def send_raw(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.sendto(data, self.target)

    def send(self, address: str, *args: Any) -> None:
        self.send_raw(encode_message(address, *args))

    async def next(self, timeout: float = WAIT) -> tuple[str, Any]:
        return await asyncio.wait_for(self.inbox.get(), timeout)

    async def ask(self, address: str, *args: Any) -> dict[str, Any]:
        """Sends a command and returns the JSON of its reply (events are skipped)."""
        self.send(address, *args)
        while True:
            got, body = await self.next()
            if got.startswith("/showctl/reply"):
                assert got == f"/showctl/reply{body['address'] or ''}"
                return body

    async def ok(self, address: str, *args: Any, timeout: float = WAIT) -> Any:
        """A command's reply data, its status asserted ok; events that come first (a
        subscribed client's) are skipped."""
        self.send(address, *args)
        while True:
            got, body = await self.next(timeout)
            if got == f"/showctl/reply{address}":
                assert body["status"] == "ok", body
                return body["data"]

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


class TcpClient:
    """One TCP connection speaking SLIP-framed OSC."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.decoder = slip.SlipDecoder(1 << 20)
        self.backlog: list[tuple[str, Any]] = []

    @classmethod
    async def open(cls, port: int, host: str = "127.0.0.1") -> TcpClient:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", port, local_addr=(host, 0)), WAIT)
        return cls(reader, writer)

    def send_raw(self, data: bytes) -> None:
        self.writer.write(data)

    def send(self, address: str, *args: Any) -> None:
        self.send_raw(slip.encode(encode_message(address, *args)))

    async def next(self, timeout: float = WAIT) -> tuple[str, Any]:
        while not self.backlog:
            data = await asyncio.wait_for(self.reader.read(65536), timeout)
            if not data:
                raise ConnectionError("closed by the server")
            packets, errors = self.decoder.feed(data)
            assert not errors
            for packet in packets:
                self.backlog += [(m.address, body(m)) for m in decode(packet)]
        return self.backlog.pop(0)

    async def ask(self, address: str, *args: Any) -> dict[str, Any]:
        self.send(address, *args)
        while True:
            got, body = await self.next()
            if got.startswith("/showctl/reply"):
                return body

    def close(self) -> None:
        self.writer.close()


async def full_status(port: int) -> dict[str, Any]:
    """The whole `/showctl/status`, asked over TCP: over UDP the controller answers with a
    compact one that fits a safe datagram (docs/osc.md)."""
    client = await TcpClient.open(port)
    try:
        reply = await client.ask("/showctl/status")
    finally:
        client.close()
    assert reply["status"] == "ok", reply
    return reply["data"]
