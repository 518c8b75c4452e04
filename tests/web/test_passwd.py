"""`showctl passwd` as a user runs it: a real process, the password on stdin."""

from __future__ import annotations

import subprocess
import sys

from showctl.web.auth import verify_password


def passwd(stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "showctl", "passwd"], input=stdin,
                          capture_output=True, text=True, timeout=60)


def test_prints_a_hash_the_dashboard_accepts():
    done = passwd("correct horse battery\n")
    assert done.returncode == 0, done.stderr
    line = done.stdout.strip()
    assert line.startswith("scrypt$16384$8$1$")
    assert verify_password(line, "correct horse battery")
    assert not verify_password(line, "correct horse")


def test_a_short_password_is_refused_without_traceback():
    done = passwd("short\n")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.strip() == "showctl: the password needs at least 8 characters"
