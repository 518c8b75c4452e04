"""`showctl run --simulate` as a real process: systemd notify on a real unix socket,
a show started over OSC, SIGTERM mid-show: screens end black, exit 0 within 2 s."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import signal
import socket
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.osc.clients import UdpClient
from tests.support import write_config

pytestmark = pytest.mark.timeout(60)
ROOT = Path(__file__).resolve().parents[2]


class Output:
    """The process's stderr, line by line, with a way to wait for a line."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self.stream, self.lines = stream, []

    async def wait_for(self, text: str, timeout: float = 15.0) -> str:
        async with asyncio.timeout(timeout):
            while True:
                raw = await self.stream.readline()
                assert raw, "process ended; output:\n" + "".join(self.lines)
                self.lines.append(raw.decode())
                if text in self.lines[-1]:
                    return self.lines[-1]


async def test_sigterm_during_a_show_ends_black_and_exits_0(tmp_path: Path) -> None:
    long_show = {"id": "long", "title": "Long", "preroll": 0.2, "cues": [
        {"id": "1", "at": 0, "screens": "all", "play": {"media": "m_{screen}.mp4"}},
        {"id": "2", "at": 600, "screens": "all", "black": {"fade": 1}}]}
    venue = write_config(tmp_path, shows=[long_show])
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    name = f"showctl-test-{secrets.token_hex(4)}"
    notify.bind("\0" + name)  # an abstract socket, as systemd may hand out
    notify.setblocking(False)
    env = {**os.environ, "NOTIFY_SOCKET": "@" + name, "WATCHDOG_USEC": "200000",
           "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "showctl", "run", "--simulate", "--config", str(venue),
        env=env, stderr=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL)
    assert proc.stderr is not None
    out = Output(proc.stderr)
    loop = asyncio.get_running_loop()
    try:
        line = await out.wait_for("ready:")
        # stamped on the venue's clock with its zone, whatever the host's zone
        paris = datetime.now(ZoneInfo("Europe/Paris"))
        stamp = re.match(r"(\d\d):(\d\d):\d\d\.\d{3} (CES?T) INFO ", line)
        assert stamp and stamp[3] == paris.strftime("%Z"), line
        assert (int(stamp[1]) * 60 + int(stamp[2]) - paris.hour * 60 - paris.minute) % 1440 <= 1
        ready = await asyncio.wait_for(loop.sock_recv(notify, 4096), 5)
        assert ready.startswith(b"READY=1\nSTATUS=test-room")
        for _ in range(2):  # pings every WATCHDOG_USEC / 2
            assert await asyncio.wait_for(loop.sock_recv(notify, 4096), 5) == b"WATCHDOG=1"
        messages: list[bytes] = []  # read on, as systemd does: a full queue drops datagrams

        async def drain() -> None:
            while True:
                messages.append(await loop.sock_recv(notify, 4096))

        draining = asyncio.ensure_future(drain())

        port = int(venue.read_text().split("listen: 127.0.0.1:")[1].split()[0])
        client = await UdpClient.open(port)
        assert (await client.ask("/showctl/start", "long"))["status"] == "ok"
        await out.wait_for("state prerolling -> running")
        # the simulated ring plays at the bundles' timetag, on a timer of its own that may
        # run just before the engine's state change at the same instant
        if not any("screen9 /showctl/player/play" in line for line in out.lines):
            await out.wait_for("screen9 /showctl/player/play")
        client.close()

        extra = {**long_show, "id": "extra"}
        (tmp_path / "shows" / "extra.yaml").write_text(json.dumps(extra))
        proc.send_signal(signal.SIGHUP)
        await out.wait_for("files reloaded")

        proc.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        try:  # its stderr read meanwhile: a full pipe would hold up its last log lines
            rest = (await asyncio.wait_for(proc.stderr.read(), 15)).decode()
            code = await asyncio.wait_for(proc.wait(), 5)
        except TimeoutError:
            raise AssertionError("not ended 15 s after SIGTERM:\n" + "".join(out.lines)) \
                from None
        took = time.monotonic() - signalled
        assert code == 0, rest
        log = "".join(out.lines) + rest
        assert took < 2.0, log
        at_exit = next(line for line in log.splitlines() if "simulated devices at exit" in line)
        for n in range(1, 10):
            assert f"screen{n} black" in at_exit
        assert "lights house-up" in at_exit  # the venue's safe look
        assert "shutting down during running" in log and "Traceback" not in log
        assert log.count("files reloaded") == 1  # SIGHUP reads the files once
        draining.cancel()
        while True:
            try:
                messages.append(notify.recv(4096))
            except BlockingIOError:
                break
        assert messages[-1] == b"STOPPING=1"
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        notify.close()


async def test_json_logs_and_sigint(tmp_path: Path) -> None:
    venue = write_config(tmp_path)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "showctl", "run", "--log-format", "json", "--config", str(venue),
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL)
    assert proc.stderr is not None
    out = Output(proc.stderr)
    try:
        ready = json.loads(await out.wait_for("ready:"))
        assert ready["level"] == "info" and ready["message"].startswith("ready: test-room")
        proc.send_signal(signal.SIGINT)
        rest = (await asyncio.wait_for(proc.stderr.read(), 15)).decode()
        assert await asyncio.wait_for(proc.wait(), 5) == 0, rest
        for line in rest.splitlines():
            assert json.loads(line)["level"] in ("info", "warning")
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
