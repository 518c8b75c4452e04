"""The controller's local control socket for the two-controller pair: a Unix datagram
socket `<state_dir>/standby.sock` (mode 0660, the state folder's owner and group).

keepalived's notify script says the role (`role MASTER|BACKUP|FAULT|STOP`), its check
script asks `ping` (answered `pong` by the event loop itself: a frozen controller does not
answer), `showctl standby status|promote|demote` ask the rest. One request a datagram,
one JSON (or `pong`) reply to the sender's address. Local only: nothing on the network
can reach it, and only who may write in the state folder can."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
SOCKET = "standby.sock"


class ControlSocket(asyncio.DatagramProtocol):
    def __init__(self, path: Path, handle: Callable[[str, list[str]], Any]) -> None:
        self.path, self.handle = path, handle
        self._transport: asyncio.DatagramTransport | None = None

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(str(self.path))
        os.chmod(self.path, 0o660)
        sock.setblocking(False)
        self._transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
            lambda: self, sock=sock)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        words = data.decode("utf-8", "replace").split()
        if not words:
            return
        try:
            reply = self.handle(words[0], words[1:])
        except Exception as exc:  # a bad request is answered, never a crash
            log.exception("standby control: %s failed", words[0])
            reply = {"status": "error", "error": str(exc)}
        if addr and self._transport is not None:
            text = reply if isinstance(reply, str) else json.dumps(reply, default=str)
            with contextlib.suppress(OSError):
                self._transport.sendto(text.encode(), addr)

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
        with contextlib.suppress(OSError):
            self.path.unlink()


def ask(path: Path, request: str, timeout: float = 2.0) -> str:
    """One request to a controller's control socket; its reply (OSError, TimeoutError)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("")  # an autobound abstract address, for the reply
        sock.settimeout(timeout)
        sock.sendto(request.encode(), str(path))
        return sock.recv(65536).decode()
