"""Asking the running controller from the command line, as an integrator would: one OSC
command over TCP (SLIP framing) to the venue's `osc.listen`, its reply's JSON back.

TCP, not UDP: `power on` answers only once the projectors have warmed up, and a reply
must not be lost on the way. The venue's admin passcode (else its passcode), if any, is
sent first: whoever can read the venue file is the room's admin."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from showctl.cli import UserError
from showctl.codec import slip
from showctl.codec.osc import decode, encode_message
from showctl.model import Venue

CONNECT_TIMEOUT = 2.0


class NoController(UserError):
    """Nothing listens at the venue's OSC address."""


async def ask(venue: Venue, address: str, *args: Any, timeout: float) -> dict[str, Any]:
    host, port = venue.osc.listen
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port),
                                                CONNECT_TIMEOUT)
    except (OSError, TimeoutError):
        raise NoController(f"no controller answers at {host}:{port} (is `showctl run` "
                           "running? systemctl status showctl)") from None
    frames = slip.SlipDecoder(1 << 20)
    try:
        passcode = venue.osc.admin_passcode or venue.osc.passcode  # admin: power commands
        if passcode:
            writer.write(slip.encode(encode_message("/showctl/connect", passcode)))
            await _reply(reader, frames, "/showctl/connect", CONNECT_TIMEOUT)
        writer.write(slip.encode(encode_message(address, *args)))
        return await _reply(reader, frames, address, timeout)
    finally:
        writer.close()


async def _reply(reader: asyncio.StreamReader, frames: slip.SlipDecoder, address: str,
                 timeout: float) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            data = await reader.read(65536)
            if not data:
                raise UserError(f"the controller closed the connection before answering "
                                f"{address}")
            packets, _ = frames.feed(data)
            for packet in packets:
                for message in decode(packet):
                    if message.address == f"/showctl/reply{address}":
                        body = json.loads(message.args[0])
                        if body.get("status") != "ok":
                            raise UserError(f"{address}: {body.get('data')}")
                        return dict(body)
