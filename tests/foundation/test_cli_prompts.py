"""CLI messages a user meets at a terminal: prompts ended early, near-miss arguments."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from showctl.cli import main
from tests.support import write_config


def at_a_terminal(args: list[str], typed: list[bytes]) -> tuple[int, str]:
    """Runs showctl with a pseudo-terminal for stdin/stderr; sends `typed` prompt by prompt."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "showctl", *args], stdin=slave,
                            stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    seen = b""
    try:
        for keys in typed:
            while b": " not in seen[-40:]:  # a prompt ends with ": "
                chunk = os.read(master, 1024)
                assert chunk, "showctl ended before its prompt"
                seen += chunk
            seen = b""
            os.write(master, keys)
        assert proc.wait(timeout=60) is not None
        while True:
            try:
                chunk = os.read(master, 1024)
            except OSError:  # EIO: the far end is closed
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(master)
        proc.kill()
    return proc.returncode, seen.decode(errors="replace")


def test_passwd_ctrl_d_at_the_prompt_says_so_on_a_line_of_its_own():
    code, out = at_a_terminal(["passwd"], [b"\x04"])
    assert code == 1 and "internal" not in out
    assert "\nshowctl: no password given: nothing printed" in out.replace("\r", "")


def test_passwd_from_stdin_refuses_nothing_and_spaces():
    for typed, why in [("\n", "no password given"), (" " * 12 + "\n", "spaces only")]:
        done = subprocess.run([sys.executable, "-m", "showctl", "passwd"], input=typed,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 1 and done.stdout == "" and why in done.stderr


def test_passwd_refuses_a_short_password_before_asking_again():
    code, out = at_a_terminal(["passwd"], [b"short\n"])
    assert code == 1 and "at least 8 characters" in out and "Again" not in out


def test_schedule_from_a_date_that_does_not_exist_says_why(tmp_path, capsys):
    venue = write_config(tmp_path)
    assert main(["schedule", "--from", "2026-02-30", "--config", str(venue)]) == 1
    err = capsys.readouterr().err
    assert err == "showctl: --from '2026-02-30' is not a date: day is out of range for month\n"
