"""QLab 5's OSC over UDP, as its OSC dictionary documents it: what tests (and a venue
without its Mac) talk to.

Source: Figure 53, "QLab's OSC Dictionary" for QLab 5 (qlab.app/docs/v5/scripting/
osc-dictionary-v5), Getting Started: QLab listens on 53000; "Replies to OSC messages
sent via UDP are sent on port 53001 by default, but can be customized using
/udpReplyPort"; every reply is `/reply/<address>` with one JSON string holding
`workspace_id`, `address`, `status` and `data`; `/connect <passcode>` first when the
workspace has a passcode (answered `ok` or `badpass`); `/thump` is answered `thump`.
What QLab answers to a command from a client that has not connected is not in what was
read: this emulator then does nothing and answers nothing (the controller's liveness
counts only answers). It acts on `/cue/<number>/start|load|stop`, `/go`, `/stop`,
`/pause`, `/resume`, `/panic`, `/panicInTime <seconds>`, recording each.
"""

from __future__ import annotations

import asyncio
import json
import re

from showctl.codec.osc import PacketError, decode, encode_message

PORT = 53000
REPLY_PORT = 53001
_CUE = re.compile(r"^(?:/workspace/[^/]+)?/cue/([^/]+)/(start|load|stop)$")
_WORKSPACE = re.compile(r"^/workspace/[^/]+")
WORKSPACE_ID = "showctl-sim-workspace"


class QlabSim(asyncio.DatagramProtocol):
    """One workspace on UDP `port` (0: any free one); `passcode` None: none set. `did`
    lists what it acted on ("start 12", "panicInTime 2.0"), `replies` what it sent."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0,
                 passcode: str | None = None) -> None:
        self.host, self.port, self.passcode = host, port, passcode
        self.reply_port: int | None = None
        self.connected: set[str] = set()  # client hosts that gave the passcode
        self.did: list[str] = []
        self.replies: list[tuple[str, dict[str, object]]] = []
        self._transport: asyncio.DatagramTransport | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._transport, _ = await loop.create_datagram_endpoint(
            lambda: self, local_addr=(self.host, self.port))
        self.port = self._transport.get_extra_info("sockname")[1]

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            messages = decode(data)
        except PacketError:
            return  # not OSC: nothing to answer
        for message in messages:
            self._message(message.address, message.args, addr)

    def _message(self, address: str, args: tuple[object, ...], addr: tuple[str, int]) -> None:
        if address == "/udpReplyPort" and args and isinstance(args[0], int):
            self.reply_port = args[0]
            return
        bare = _WORKSPACE.sub("", address)
        if bare == "/connect":
            ok = self.passcode is None or (bool(args) and str(args[0]) == self.passcode)
            if ok:
                self.connected.add(addr[0])
            self._reply(address, "ok", "ok" if ok else "badpass", addr)
            return
        if self.passcode is not None and addr[0] not in self.connected:
            return  # not connected: nothing done, nothing said (see the docstring)
        if bare == "/thump":
            self._reply(address, "ok", "thump", addr)
            return
        if (cue := _CUE.match(address)) is not None:
            self.did.append(f"{cue[2]} {cue[1]}")
        elif bare in ("/go", "/stop", "/pause", "/resume", "/panic"):
            self.did.append(bare[1:])
        elif bare == "/panicInTime" and args and isinstance(args[0], int | float):
            self.did.append(f"panicInTime {float(args[0]):g}")
        else:
            self._reply(address, "error", None, addr)
            return
        self._reply(address, "ok", None, addr)

    def _reply(self, address: str, status: str, data: object, addr: tuple[str, int]) -> None:
        body: dict[str, object] = {"workspace_id": WORKSPACE_ID, "address": address,
                                   "status": status}
        if data is not None:
            body["data"] = data
        self.replies.append((address, body))
        if self._transport is not None:
            self._transport.sendto(encode_message(f"/reply{address}", json.dumps(body)),
                                   (addr[0], self.reply_port or REPLY_PORT))
