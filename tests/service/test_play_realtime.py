"""`showctl play` applies the venue's `realtime:` exactly as `showctl run` does (issue 21
point 1, docs/realtime.md): the loop's thread under SCHED_FIFO with memory locked where
allowed, ordinary scheduling and a warning saying what to grant where not, and `on` that
cannot be had refused in one line. Checked from outside, on the running process."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from tests.service.test_realtime_policy import DROP, ROOT, needs_root
from tests.support import write_config

pytestmark = pytest.mark.timeout(60)

HELD = {"id": "held", "preroll": 0.2, "cues": [
    {"id": "1", "at": 0, "name": "Out", "lights": {"cue": "house-out", "fade": 0}},
    {"id": "H", "at": 0.2, "name": "Guide", "hold": True},
    {"id": "3", "at": 0.3, "name": "End", "screens": "all", "black": {"fade": 0}}]}


def venue(mode: str) -> tuple[Path, Path]:
    """A venue with a show that holds, readable by `nobody`."""
    root = Path(tempfile.mkdtemp(prefix="showctl-playrt-"))
    path = write_config(root, screens=2, shows=[HELD])
    data = yaml.safe_load(path.read_text())
    path.write_text(yaml.safe_dump({**data, "realtime": mode}, sort_keys=False))
    for p in (root, *root.rglob("*")):
        p.chmod(0o777 if p.is_dir() else 0o666)
    return root, path


async def play_until_held(path: Path, *prefix: str) -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        *prefix, sys.executable, "-m", "showctl", "play", "held", "--config", str(path),
        cwd="/", env={**os.environ, "PYTHONPATH": str(ROOT)}, stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    assert proc.stderr is not None
    said = ""
    while "press Enter" not in said:
        line = await asyncio.wait_for(proc.stderr.readline(), 20)
        if not line:
            break
        said += line.decode()
    return proc, said


def locked_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmLck:"):
            return int(line.split()[1])
    return 0


async def finish(proc: asyncio.subprocess.Process) -> int:
    assert proc.stdin is not None
    proc.stdin.write(b"\n")  # GO at the hold: the show ends by itself
    await proc.stdin.drain()
    return await asyncio.wait_for(proc.wait(), 20)


@needs_root
async def test_play_as_root_runs_its_show_under_sched_fifo_with_memory_locked():
    root, path = venue("auto")
    try:
        proc, said = await play_until_held(path)
        try:
            assert "press Enter" in said, said
            assert os.sched_getscheduler(proc.pid) & ~os.SCHED_RESET_ON_FORK == os.SCHED_FIFO
            assert os.sched_getparam(proc.pid).sched_priority == 20
            assert locked_kb(proc.pid) > 0, "mlockall as run does"
            assert "real-time dispatch off" not in said
            assert await finish(proc) == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@needs_root
async def test_play_unprivileged_stays_ordinary_and_says_what_to_grant():
    root, path = venue("auto")
    try:
        proc, said = await play_until_held(path, *DROP)
        try:
            assert "press Enter" in said, said
            assert os.sched_getscheduler(proc.pid) == os.SCHED_OTHER
            assert locked_kb(proc.pid) == 0
            assert "real-time dispatch off (SCHED_FIFO not allowed" in said
            assert "CAP_SYS_NICE" in said and "Traceback" not in said
            assert await finish(proc) == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@needs_root
async def test_play_with_realtime_on_refuses_in_one_line_when_not_allowed():
    root, path = venue("on")
    try:
        proc, said = await play_until_held(path, *DROP)
        assert await asyncio.wait_for(proc.wait(), 20) == 1
        assert "Traceback" not in said and "press Enter" not in said
        assert said.strip().splitlines()[-1].endswith(
            "realtime: on, but SCHED_FIFO not allowed (Operation not permitted): needs root, "
            "CAP_SYS_NICE or an RLIMIT_RTPRIO (systemd: LimitRTPRIO= or "
            "CPUSchedulingPolicy=fifo)")
    finally:
        shutil.rmtree(root, ignore_errors=True)


async def test_play_with_realtime_off_changes_nothing():
    root, path = venue("off")
    try:
        proc, said = await play_until_held(path)
        try:
            assert "press Enter" in said, said
            assert os.sched_getscheduler(proc.pid) == os.SCHED_OTHER
            assert await finish(proc) == 0
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    finally:
        shutil.rmtree(root, ignore_errors=True)
