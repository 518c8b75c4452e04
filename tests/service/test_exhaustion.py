"""Connection exhaustion against a real `showctl run` held to 256 file descriptors: a
slowloris of 320 connections from four addresses, and 64 idle OSC/TCP connections, and
still a fresh client gets the dashboard, the API and OSC/TCP, and the run state is
written."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import sys
from pathlib import Path

import aiohttp
import pytest
import yaml

from tests.osc.clients import TcpClient
from tests.support import file_written, write_config
from tests.web.conftest import TOKENS, web_section

pytestmark = pytest.mark.timeout(90)
ROOT = Path(__file__).resolve().parents[2]
NOFILE = 256


def _low_nofile() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))


async def _slow_connection(port: int, source: str) -> asyncio.StreamWriter | None:
    """A slowloris: half a request head, then nothing."""
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(
            "127.0.0.1", port, local_addr=(source, 0)), 5)
        writer.write(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-a: ")
        await writer.drain()
        return writer
    except (OSError, TimeoutError):
        return None


async def test_a_slowloris_does_not_lock_out_a_fresh_client(tmp_path: Path) -> None:
    path = write_config(tmp_path, venue_extra={"web": web_section()})
    venue = yaml.safe_load(path.read_text())
    web_port = int(venue["web"]["listen"].rsplit(":", 1)[1])
    osc_port = int(venue["osc"]["listen"].rsplit(":", 1)[1])
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "showctl", "run", "--config", str(path),
        env={**os.environ, "PYTHONPATH": str(ROOT)}, preexec_fn=_low_nofile,
        stderr=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL)
    assert proc.stderr is not None
    writers: list[asyncio.StreamWriter] = []
    idle: list[TcpClient] = []
    drain: asyncio.Task[bytes] | None = None
    try:
        async with asyncio.timeout(20):
            while b"ready:" not in await proc.stderr.readline():
                pass
        drain = asyncio.create_task(proc.stderr.read())  # never let its pipe fill
        for source in ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"):
            got = await asyncio.gather(*(_slow_connection(web_port, source)
                                         for _ in range(80)))
            writers += [w for w in got if w is not None]
        for n in range(64):  # idle OSC/TCP integrators, eight addresses
            with contextlib.suppress(OSError, TimeoutError):
                idle.append(await TcpClient.open(osc_port, f"127.0.1.{n // 8 + 1}"))
        fresh = aiohttp.TCPConnector(local_addr=("127.0.0.9", 0))
        url = f"http://127.0.0.1:{web_port}"
        auth = {"Authorization": f"Bearer {TOKENS['operator']}"}
        timeout = aiohttp.ClientTimeout(total=10)
        async with aiohttp.ClientSession(connector=fresh, timeout=timeout) as session:
            assert (await session.get(f"{url}/healthz")).status == 200
            res = await session.get(f"{url}/api/status", headers=auth)
            assert res.status == 200 and (await res.json())["state"] == "idle"
            res = await session.post(f"{url}/api/load", json={"show": "small"}, headers=auth)
            assert res.status == 200, await res.text()
        osc = await TcpClient.open(osc_port, "127.0.0.9")
        assert (await osc.ask("/showctl/status"))["status"] == "ok"
        osc.close()
        # the controller's own files still open: the run state says what is loaded
        state = await file_written(tmp_path / "var" / "run-state.json",
                                   lambda text: json.loads(text)["state"] == "loaded")
        assert json.loads(state)["show"] == "small"
    finally:
        for w in writers:
            w.close()
        for c in idle:
            c.close()
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)
        log = (await drain).decode() if drain is not None else ""
        print(log[-3000:])  # the controller's own account, shown when the test fails
    # every refusal is logged, rate-limited per kind: hundreds of them, a few lines
    assert log.count("refused a connection") <= 12, log[-3000:]
