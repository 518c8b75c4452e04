"""`showctl schedule` as a user runs it: a real process, hand-computed lines."""

from __future__ import annotations

import subprocess
import sys

from tests.scheduling.room import LONG, NIGHT
from tests.scheduling.test_calendar import WEEK
from tests.support import SMALL_SHOW, write_config

DAY = ["10:00", "10:30", "11:00", "11:30", "12:00", "12:30", "13:00", "13:30",
       "14:00", "14:30", "15:00", "15:30", "16:00", "16:30", "17:00", "17:30"]


def showctl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "showctl", *args],
                          capture_output=True, text=True, timeout=60)


def test_schedule_lists_starts_with_closed_special_and_dst_marks(tmp_path):
    venue = write_config(tmp_path, screens=3, shows=[SMALL_SHOW, NIGHT, LONG], schedule=WEEK)
    done = showctl("schedule", "--config", str(venue), "--from", "2026-03-25", "--days", "5")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == (
        ["2026-03-25 --:--  wed  (closed)", "2026-03-26 02:30  thu  night"]
        + [f"2026-03-26 {t}  thu  small" for t in DAY]
        + ["2026-03-27 11:00  fri  small  (special)", "2026-03-27 15:00  fri  small  (special)",
           "2026-03-28 02:30  sat  night"]
        + [f"2026-03-28 {t}  sat  small" for t in DAY]
        + ["2026-03-29 03:00  sun  night  (moved from 02:30: DST change)"]
        + [f"2026-03-29 {t}  sun  small" for t in DAY]
    )


def test_autumn_change_lists_the_repeated_hour_once(tmp_path):
    venue = write_config(tmp_path, screens=3, shows=[SMALL_SHOW, NIGHT, LONG], schedule=WEEK)
    done = showctl("schedule", "--config", str(venue), "--from", "2026-10-25", "--days", "1")
    assert done.stdout.splitlines()[:2] == ["2026-10-25 02:30  sun  night",
                                            "2026-10-25 10:00  sun  small"]


def test_bad_arguments_and_bad_files_are_one_line_errors(tmp_path):
    venue = write_config(tmp_path, screens=3, shows=[SMALL_SHOW], schedule=WEEK)
    bad_date = showctl("schedule", "--config", str(venue), "--from", "29/03/2026")
    assert (bad_date.returncode, bad_date.stdout) == (1, "")
    assert bad_date.stderr == "showctl: --from '29/03/2026' is not a date: write YYYY-MM-DD\n"
    # WEEK names the show `night`, which this venue lacks: the schedule file is refused.
    bad_file = showctl("schedule", "--config", str(venue), "--from", "2026-03-25")
    assert bad_file.returncode == 1 and "Traceback" not in bad_file.stderr
    assert f"{tmp_path / 'config' / 'schedule.yaml'}:" in bad_file.stderr
    assert "no show 'night'" in bad_file.stderr
