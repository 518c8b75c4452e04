"""The notify protocol on a real unix datagram socket with a path (the abstract kind is
exercised by the SIGTERM test)."""

from __future__ import annotations

import asyncio
import os
import socket
import tempfile
from pathlib import Path

from showctl.sdnotify import Notifier


async def test_ready_watchdog_and_stopping_on_a_path_socket() -> None:
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:  # short: sun_path is 108 bytes
        path = Path(folder) / "notify"
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.bind(str(path))
            sock.setblocking(False)
            loop = asyncio.get_running_loop()

            async def recv() -> bytes:
                return await asyncio.wait_for(loop.sock_recv(sock, 100), 5)

            notifier = Notifier({"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "20000000",
                                 "WATCHDOG_PID": str(os.getpid())})
            assert notifier.watchdog_interval == 10.0
            notifier.ready("up")
            assert await recv() == b"READY=1\nSTATUS=up"
            assert await recv() == b"WATCHDOG=1"  # the first ping goes at once
            await notifier.stopping()
            assert await recv() == b"STOPPING=1"


def test_outside_systemd_nothing_is_sent() -> None:
    assert not Notifier({}).send("READY=1")
    other = Notifier({"NOTIFY_SOCKET": "/nonexistent/x", "WATCHDOG_USEC": "1000000",
                      "WATCHDOG_PID": "1"})
    assert other.watchdog_interval is None  # the watchdog is another process's
    assert not other.send("READY=1")  # a missing socket is logged, never raised
