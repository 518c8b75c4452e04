"""An ETC Eos console's OSC over TCP, as ETC documents it: what tests (and a venue
without its console) talk to.

Sources (ETC): Eos Family online help, "Eos OSC Setup" (etcconnect.com WebDocs
EosFamilyOnlineHelp 23_Show_Control/08_OSC): Eos listens for TCP connections on port
3032, framed OSC 1.0 (packet-length headers) by default or OSC 1.1 (SLIP) as set in
Setup; ETC support "TCP port for OSC communication with Eos Software": 3032, and from
v3.1 a fixed third-party port 3037 (SLIP, as the Companion module connects:
companion-module-etc-eos constants.js `EOS_PORT_SLIP = 3037`); ETC support
"Reverse-engineering OSC commands to be sent as strings": "When Eos gets invalid packets,
it closes the connection as a safety feature"; the help's "Ping" (`/eos/ping` answered
`/eos/out/ping` with the same arguments), "Supported OSC Input"
(`/eos/cue/<list>/<cue>/fire`) and "Implicit OSC Output" (`/eos/out/active/cue/text`).
"""

from __future__ import annotations

import asyncio
import re

from showctl.codec.framing import Framing, decoder, frame
from showctl.codec.osc import PacketError, decode, encode_message

_FIRE = re.compile(r"^/eos/cue/(\d+)/(\d+(?:\.\d+)?)/fire$")
MAX_PACKET = 65536


class EosSim:
    """One console on `port` (0: any free one), framed `length` (OSC 1.0, Eos's default
    on 3032) or `slip` (OSC 1.1, 3037). `fired` lists the cues fired ("1/5"), `pings`
    the pings answered, `dropped` the connections it closed on an invalid packet;
    `muted` makes it a console that stops answering."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 framing: Framing = "length") -> None:
        self.host, self.port, self.framing = host, port, framing
        self.fired: list[str] = []
        self.pings = 0
        self.dropped = 0
        self.connections = 0
        self.muted = False
        self.active: str | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        frames = decoder(self.framing, MAX_PACKET)
        try:
            while data := await reader.read(65536):
                packets, errors = frames.feed(data)
                if errors or frames.broken:
                    self.dropped += 1
                    return  # an invalid packet: Eos closes the connection
                for packet in packets:
                    if not self._packet(packet, writer):
                        self.dropped += 1
                        return
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    def _packet(self, packet: bytes, writer: asyncio.StreamWriter) -> bool:
        """False for a packet that is no OSC (the connection is then dropped)."""
        try:
            messages = decode(packet)
        except PacketError:
            return False
        for message in messages:
            if message.address == "/eos/ping" and not self.muted:
                self.pings += 1
                writer.write(frame(encode_message("/eos/out/ping", *message.args),
                                   self.framing))
            elif (fired := _FIRE.match(message.address)) is not None:
                cue = f"{fired[1]}/{fired[2]}"
                self.fired.append(cue)
                self.active = cue
                if not self.muted:
                    writer.write(frame(encode_message("/eos/out/active/cue/text",
                                                      f"{cue} 0:00 100%"), self.framing))
        return True
