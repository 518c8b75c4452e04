"""die_with_parent: a child whose parent is already gone when it gets there ends at once
(a spawned file worker runs it seconds after it started on a busy machine; reading the
parent there found init, and the orphan lived on, holding the dead controller's stderr)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHILD = "import sys; from showctl.orphans import die_with_parent; " \
        "die_with_parent(int(sys.argv[1])); print('alive')"


def _child(parent: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", CHILD, str(parent)], capture_output=True,
                          text=True, timeout=30, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_a_child_of_its_parent_lives_on() -> None:
    done = _child(os.getpid())
    assert (done.returncode, done.stdout) == (0, "alive\n"), done.stderr


def test_a_child_whose_parent_is_gone_ends_at_once() -> None:
    done = _child(os.getpid() + 1_000_000)  # not its parent: as after a reparenting
    assert (done.returncode, done.stdout) == (0, ""), done.stderr
