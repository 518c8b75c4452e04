"""`realtime:` (SPEC 1.2): which scheduling the dispatching thread gets, as root, as an
unprivileged user, with an RLIMIT_RTPRIO, and what the log and status() say. Each case
runs in its own process (real scheduling and mlockall are per process)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from tests.osc.clients import UdpClient, full_status
from tests.support import write_config

pytestmark = pytest.mark.timeout(60)
ROOT = Path(__file__).resolve().parents[2]
AS_ROOT = os.geteuid() == 0
DROP = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
needs_root = pytest.mark.skipif(not AS_ROOT or not shutil.which("setpriv"),
                                reason="needs root (and setpriv to drop to nobody)")

PROBE = """
import json, os, sys, threading
from showctl import realtime
report = realtime.apply(sys.argv[1]).as_json()
seen = {}
thread = threading.Thread(target=lambda: seen.update(policy=os.sched_getscheduler(0)))
thread.start(); thread.join()
print(json.dumps({**report, "thread_policy": seen["policy"]}))
"""


def probe(mode: str, *prefix: str) -> dict:
    done = subprocess.run([*prefix, sys.executable, "-c", PROBE, mode], capture_output=True,
                          text=True, timeout=30, cwd="/", env={**os.environ,
                                                                "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@needs_root
def test_auto_as_root_puts_only_the_dispatching_thread_under_fifo_and_locks_memory():
    got = probe("auto")
    assert (got["policy"], got["priority"], got["memory_locked"]) == ("SCHED_FIFO", 20, True)
    assert got["thread_policy"] == os.SCHED_OTHER, "threads started later are ordinary"


@needs_root
def test_auto_unprivileged_stays_ordinary_and_says_what_to_grant():
    got = probe("auto", *DROP)
    assert (got["policy"], got["memory_locked"]) == ("SCHED_OTHER", False)
    assert "CAP_SYS_NICE" in got["note"] and "LimitRTPRIO" in got["note"]


def can_raise_rtprio() -> bool:
    """Raising a hard limit needs CAP_SYS_RESOURCE, which some containers drop."""
    return shutil.which("prlimit") is not None and subprocess.run(
        ["prlimit", "--rtprio=5:5", "true"], capture_output=True, timeout=10).returncode == 0


@needs_root
@pytest.mark.skipif(not AS_ROOT or not can_raise_rtprio(), reason="cannot raise RLIMIT_RTPRIO")
def test_an_rlimit_rtprio_is_enough_and_caps_the_priority():
    got = probe("auto", "prlimit", "--rtprio=5:5", *DROP)
    assert (got["policy"], got["priority"]) == ("SCHED_FIFO", 5)
    assert got["memory_locked"] is False  # RLIMIT_MEMLOCK is small: MCL_FUTURE could fail


def test_off_changes_nothing():
    got = probe("off")
    assert (got["policy"], got["memory_locked"]) == ("SCHED_OTHER", False)
    assert got["note"] == "realtime: off in the venue"


def venue_for_nobody(mode: str) -> tuple[Path, Path]:
    """A venue nobody can read, with a state_dir nobody can write."""
    root = Path(tempfile.mkdtemp(prefix="showctl-rt-"))
    venue = write_config(root, screens=2)
    data = yaml.safe_load(venue.read_text())
    venue.write_text(yaml.safe_dump({**data, "realtime": mode}, sort_keys=False))
    for path in (root, *root.rglob("*")):
        path.chmod(0o777 if path.is_dir() else 0o666)
    return root, venue


async def run_until_ready(venue: Path, *prefix: str) -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        *prefix, sys.executable, "-m", "showctl", "run", "--config", str(venue), cwd="/",
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE)
    assert proc.stderr is not None
    said = ""
    while "ready:" not in said:
        line = await asyncio.wait_for(proc.stderr.readline(), 20)
        if not line:
            break
        said += line.decode()
    return proc, said


@needs_root
async def test_on_refuses_to_start_in_one_line_when_not_allowed():
    root, venue = venue_for_nobody("on")
    try:
        proc, said = await run_until_ready(venue, *DROP)
        assert await asyncio.wait_for(proc.wait(), 20) == 1
        assert "Traceback" not in said
        assert said.strip().splitlines()[-1].endswith(
            "realtime: on, but SCHED_FIFO not allowed (Operation not permitted): needs root, "
            "CAP_SYS_NICE or an RLIMIT_RTPRIO (systemd: LimitRTPRIO= or "
            "CPUSchedulingPolicy=fifo)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


@needs_root
async def test_the_log_and_status_say_which_policy_is_in_force():
    root, venue = venue_for_nobody("on")
    try:
        proc, said = await run_until_ready(venue)
        try:
            assert "real-time dispatch: SCHED_FIFO priority 20, memory locked" in said
            port = int(yaml.safe_load(venue.read_text())["osc"]["listen"].rsplit(":", 1)[1])
            client = await UdpClient.open(port)
            try:
                status = await full_status(port)
            finally:
                client.close()
            realtime = status["realtime"]
            assert (realtime["mode"], realtime["policy"], realtime["priority"]) == (
                "on", "SCHED_FIFO", 20)
            assert realtime["memory_locked"] is True and realtime["spin"]["count"] >= 0
        finally:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 20)
    finally:
        shutil.rmtree(root, ignore_errors=True)
