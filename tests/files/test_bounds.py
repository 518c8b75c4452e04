"""What a file may be (issue 10, fault 2), through `showctl validate` as an operator runs
it: a huge number, a huge file, deep nesting, a password written where its hash belongs,
invisible characters in ids and media names. Each is one clear `path:line:col` error and
exit 1, never an internal error."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from .helpers import venue_with

ROOT = Path(__file__).resolve().parents[2]


def validate(venue: Path, *files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "showctl", "validate", "--config", str(venue),
                           *map(str, files)], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)


def test_bounded_files_get_one_clear_error_each(tmp_path):
    venue = venue_with(tmp_path)
    shows = tmp_path / "shows"
    huge_number = shows / "number.yaml"
    huge_number.write_text(f"id: n\ncues:\n  - {{id: '1', at: {'9' * 5000}}}\n")
    big = shows / "big.yaml"
    big.write_text("id: big\ncues:\n" + "  - {id: '1', at: 0, name: padding}\n" * 260_000)
    deep = shows / "deep.yaml"
    deep.write_text("id: deep\ncues: " + "[" * 40 + "]" * 40 + "\n")
    invisible = shows / "invisible.yaml"
    invisible.write_text("id: inv\ncues:\n  - {id: \"1\ufeff\", at: 0}\n"
                         "  - {id: '2', at: 1, screens: all, play: {media: \"a\u200b.mp4\"}}\n")
    done = validate(venue, huge_number, big, deep, invisible)
    assert done.returncode == 1 and done.stderr == "", done.stderr
    assert done.stdout.splitlines() == [
        f"{big}:1:1: the file is 9.4 MB: at most 8.4 MB (a 10,000-cue show is about 1 MB)",
        f"{deep}:2:38: nested more than 32 levels deep",
        f"{invisible}:3:10: id: invisible character U+FEFF (ZERO WIDTH NO-BREAK SPACE) at "
        "character 2: retype the text without it",
        f"{invisible}:4:50: media: invisible character U+200B (ZERO WIDTH SPACE) at character 2: "
        "retype the text without it",
        f"{huge_number}:3:19: a number of 5000 digits: at most 32 characters (write text in "
        "quotes)",
        "5 errors in 4 of 4 files",
    ]


def test_a_password_where_its_hash_belongs_is_refused(tmp_path):
    venue = venue_with(tmp_path)
    data = yaml.safe_load(venue.read_text())
    data["web"]["users"] = [{"name": "ann", "role": "admin", "password_hash": "hunter2"}]
    venue.write_text(yaml.safe_dump(data, sort_keys=False))
    done = validate(venue)
    assert done.returncode == 1
    assert re.fullmatch(
        rf"{re.escape(str(venue))}:\d+:\d+: password_hash: not a password hash: make one "
        r"with `showctl passwd` \(it prints scrypt\$16384\$8\$1\$<salt>\$<hash>\); never "
        "write the password itself", done.stdout.splitlines()[0]), done.stdout
