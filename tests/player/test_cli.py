"""`showctl player` from the command line: clear one-line errors, no traceback."""

import subprocess
import sys

from tests.player.conftest import make_venue


def _player(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "showctl", "player", *args],
                          capture_output=True, text=True, timeout=30)


def test_an_unknown_or_unplayable_device_is_one_line(tmp_path):
    venue = make_venue(tmp_path)
    (tmp_path / "media").mkdir()
    for device, says in (("screen7", "no device 'screen7'"), ("lights", "lighting device")):
        done = _player("--config", str(venue), "--device", device,
                       "--ipc-dir", str(tmp_path / "ipc"))
        assert done.returncode == 1, done.stderr
        assert says in done.stderr and "Traceback" not in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1


def test_a_missing_media_directory_is_refused(tmp_path):
    venue = make_venue(tmp_path)
    done = _player("--config", str(venue), "--device", "screen1",
                   "--media", str(tmp_path / "nowhere"))
    assert done.returncode == 1 and "is not a directory" in done.stderr
