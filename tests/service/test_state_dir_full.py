"""A full `state_dir` is said everywhere, not only in the log (issue 21): `showctl run`
with its state on a small tmpfs that fills up mid-day shows the failing file in
/showctl/status, GET /metrics and an alert (the dashboard renders status()["storage"]),
and says so again when the disk has room."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import aiohttp
import pytest
import yaml

from tests.alerts.receivers import Webhook
from tests.osc.clients import TcpClient, UdpClient
from tests.support import SMALL_SHOW, write_config

pytestmark = [pytest.mark.timeout(90),
              pytest.mark.skipif(os.geteuid() != 0, reason="mounts a small tmpfs (root)")]
ROOT = Path(__file__).resolve().parents[2]


def fill(folder: Path) -> Path:
    """Writes until the disk is full; the filler's path."""
    filler = folder / "filler"
    with contextlib.suppress(OSError), filler.open("wb") as out:
        while True:
            out.write(b"\0" * 65536)
            out.flush()
            os.fsync(out.fileno())
    return filler


async def test_a_full_state_dir_is_in_status_metrics_and_an_alert(tmp_path: Path) -> None:
    state = Path(tempfile.mkdtemp(prefix=f"showctl-full-{os.getpid()}-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(state)],
                             capture_output=True, text=True, timeout=10)
    if mounted.returncode != 0:  # a container without CAP_SYS_ADMIN
        shutil.rmtree(state, ignore_errors=True)
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    proc = None
    try:
        async with Webhook() as hook:
            path = write_config(tmp_path, screens=1, shows=[SMALL_SHOW])
            data = yaml.safe_load(path.read_text())
            data["state_dir"] = str(state)
            data["alerts"] = [{"url": hook.url, "events": ["storage_failed", "storage_ok"]}]
            data["metrics"] = {"enabled": True, "open": True}
            path.write_text(yaml.safe_dump(data, sort_keys=False))
            port = int(data["osc"]["listen"].rsplit(":", 1)[1])
            web = f"http://{data['web']['listen']}"
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "showctl", "run", "--config", str(path), cwd="/",
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
            assert proc.stderr is not None
            while b"ready:" not in (line := await asyncio.wait_for(proc.stderr.readline(), 30)):
                assert line, "the controller did not start"
            client = await UdpClient.open(port)
            try:
                filler = fill(state)
                await client.ok("/showctl/load", "small")  # the run state is written now
                await asyncio.wait_for(hook.arrived.wait(), 30)
                for _ in range(100):  # `arrived` is set as the request comes, before its body
                    if hook.posts:
                        break
                    await asyncio.sleep(0.02)
                assert "cannot write the state in state_dir: run-state.json" in \
                    hook.posts[0]["message"]
                compact = (await client.ok("/showctl/status"))["storage"]  # UDP: compact
                assert compact == {"ok": False, "failing": ["run-state.json"]} or (
                    compact["ok"] is False and "run-state.json" in compact["failing"])
                tcp = await TcpClient.open(port)  # the full status (UDP gets the compact)
                try:
                    storage = (await tcp.ask("/showctl/status"))["data"]["storage"]
                finally:
                    tcp.close()
                assert storage["ok"] is False and "run-state.json" in storage["failing"]
                assert "No space left on device" in storage["failing"]["run-state.json"]
                async with aiohttp.ClientSession() as session, \
                        session.get(f"{web}/metrics") as res:
                    text = await res.text()
                gauge = [line for line in text.splitlines()
                         if line.startswith("showctl_state_write_failing ")]
                assert gauge and float(gauge[0].split()[1]) >= 1
                # room again: the next write succeeds and the problem is over
                filler.unlink()
                hook.arrived.clear()
                await client.ok("/showctl/stop")
                tcp = await TcpClient.open(port)
                try:
                    for _ in range(200):
                        if (await tcp.ask("/showctl/status"))["data"]["storage"]["ok"]:
                            break
                        await asyncio.sleep(0.05)
                    assert (await tcp.ask("/showctl/status"))["data"]["storage"]["ok"] is True
                finally:
                    tcp.close()
            finally:
                client.close()
    finally:
        if proc is not None and proc.returncode is None:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 20)
        subprocess.run(["umount", "-l", str(state)], timeout=10, check=False)
        shutil.rmtree(state, ignore_errors=True)
