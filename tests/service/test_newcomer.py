"""A newcomer's first steps (issue 22, point 8): `scripts/setup` shows what pip is at
while it works (a first setup sat ~95 s on one line); the controller's ready line says
which devices are simulated, never "(simulated devices)" beside real mpv screens; the
player's log lines carry the venue's zone like the controller's."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from showctl.logzone import stamp_in
from tests.service.test_sigterm import Output
from tests.support import write_config

pytestmark = pytest.mark.timeout(60)
ROOT = Path(__file__).resolve().parents[2]
FAKE_PIP = """#!/usr/bin/env bash
# stands in for pip: says what it does, slowly, as a first install does
if [ "$1 $2" = "install --upgrade" ]; then exit 0; fi
for pkg in aiohttp pydantic playwright; do
  echo "Collecting $pkg"
  sleep 2.5
done
echo "Successfully installed aiohttp pydantic playwright"
"""


async def test_setup_shows_progress_while_pip_works(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "setup", tmp_path / "scripts" / "setup")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").symlink_to(sys.executable)
    (bin_dir / "pip").write_text(FAKE_PIP)
    (bin_dir / "pip").chmod(0o755)
    proc = await asyncio.create_subprocess_exec(
        "bash", str(tmp_path / "scripts" / "setup"), stderr=asyncio.subprocess.PIPE)
    assert proc.stderr is not None
    out = Output(proc.stderr)
    await out.wait_for("setting up .venv")
    await out.wait_for("  Collecting ")  # while pip still works
    assert proc.returncode is None
    await out.wait_for("  Collecting playwright")
    assert await asyncio.wait_for(proc.wait(), 20) == 0
    assert (tmp_path / ".venv" / ".installed").exists()


async def test_the_ready_line_names_what_is_simulated(tmp_path: Path) -> None:
    venue = write_config(tmp_path)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "showctl", "run", "--simulate=lighting", "--config", str(venue),
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL)
    assert proc.stderr is not None
    try:
        line = await Output(proc.stderr).wait_for("ready:")
        assert line.rstrip().endswith("(simulated: lighting)"), line
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)


def test_the_players_lines_carry_the_venues_zone() -> None:
    root = logging.getLogger()
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))  # as basicConfig
    root.addHandler(handler)
    try:
        stamp_in("Europe/Paris")  # what `showctl player` does once it read the venue
        line = handler.format(logging.LogRecord("showctl.player", logging.INFO, __file__, 1,
                                                "screen1 playing", None, None))
    finally:
        root.removeHandler(handler)
    assert re.match(r"^\d\d:\d\d:\d\d\.\d{3} CES?T INFO    screen1 playing$", line), line
