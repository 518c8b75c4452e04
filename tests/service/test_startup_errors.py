"""`showctl run` that cannot start (a port taken, a state_dir it cannot use) says why in
one line and exits 1: no traceback, no "internal error", no misleading exit report."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

import pytest
import yaml

from tests.support import write_config

pytestmark = pytest.mark.timeout(150)  # five start-ups at once on a loaded 2-core host
ROOT = Path(__file__).resolve().parents[2]


async def showctl_run(venue: Path, *extra: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "showctl", "run", *extra, "--config", str(venue),
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE)
    try:
        # generous: five controllers start at once on 2 shared cores (20 s failed at load ~12)
        _, err = await asyncio.wait_for(proc.communicate(), 50)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return proc.returncode, err.decode()


def with_state_dir(venue: Path, state_dir: str) -> Path:
    data = yaml.safe_load(venue.read_text())
    venue.write_text(yaml.safe_dump({**data, "state_dir": state_dir}, sort_keys=False))
    return venue


def taken(address: str, kind: int) -> socket.socket:
    host, port = address.rsplit(":", 1)
    sock = socket.socket(socket.AF_INET, kind)
    sock.bind((host, int(port)))
    if kind == socket.SOCK_STREAM:
        sock.listen()
    return sock


def last_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert "Traceback" not in err and "internal error" not in err, err
    assert "simulated devices at exit" not in err, err
    return lines[-1]


async def test_busy_ports_and_unusable_state_dirs_are_user_errors(tmp_path: Path) -> None:
    venues = {name: write_config(tmp_path / name, screens=2)
              for name in ("device", "osc", "web", "file", "under_file")}
    conf = {name: yaml.safe_load(v.read_text()) for name, v in venues.items()}
    device = conf["device"]["devices"][0]
    held = [taken(f"127.0.0.1:{device['port']}", socket.SOCK_DGRAM),
            taken(conf["osc"]["osc"]["listen"], socket.SOCK_DGRAM),
            taken(conf["web"]["web"]["listen"], socket.SOCK_STREAM)]
    (tmp_path / "a-file").write_text("")
    with_state_dir(venues["file"], str(tmp_path / "a-file"))
    with_state_dir(venues["under_file"], str(tmp_path / "a-file" / "state"))
    try:
        results = await asyncio.gather(*(showctl_run(v, "--simulate")
                                         for v in venues.values()))
    finally:
        for sock in held:
            sock.close()
    out = dict(zip(venues, results, strict=True))
    assert {name: code for name, (code, _) in out.items()} == dict.fromkeys(venues, 1), out
    lines = {name: last_line(err) for name, (_, err) in out.items()}
    assert lines["device"].startswith(
        f"showctl: simulator cannot listen on 127.0.0.1:{device['port']}: ")
    assert lines["osc"].startswith("showctl: cannot listen for OSC on ")
    assert lines["web"].startswith("showctl: cannot serve the dashboard on ")
    assert lines["file"] == (f"showctl: state_dir {tmp_path / 'a-file'} is a file, not a "
                             f"folder: remove it, or set state_dir in {venues['file']} "
                             "to a folder")
    assert lines["under_file"].startswith(
        f"showctl: state_dir {tmp_path / 'a-file' / 'state'} cannot be created (Not a "
        "directory): create it, writable by the user showctl runs as, or set state_dir in ")
