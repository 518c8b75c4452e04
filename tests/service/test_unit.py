"""systemd/showctl.service and systemd/showctl-player@.service pass `systemd-analyze
verify` with nothing said about them (verify exits 0 on unknown keys, so its stderr is
the verdict) and have the keys SPEC 5 and 6.1 ask for."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[2] / "systemd" / "showctl.service"
PLAYER_UNIT = UNIT.with_name("showctl-player@.service")
INSTALLED = "/opt/showctl/venv/bin/showctl"


def complaints(tmp_path: Path, text: str, name: str = "showctl.service") -> list[str]:
    """What `systemd-analyze verify` says about a copy whose ExecStart binary exists
    (a template is verified as one instance of it)."""
    binary = shutil.which("showctl") or str(Path(sys.executable).with_name("showctl"))
    if not Path(binary).exists():
        binary = sys.executable
    unit = tmp_path / name
    unit.write_text(text.replace(INSTALLED, binary))
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                          text=True, timeout=60)
    said = [line for line in (done.stdout + done.stderr).splitlines()
            if name.split("@")[0] in line or "Unknown" in line or "nvalid" in line]
    return [*said, *([f"exit {done.returncode}"] if done.returncode else [])]


def keys(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            found.setdefault(key.strip(), []).append(value.strip())
    return found


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze")
def test_unit_verifies_without_a_word(tmp_path: Path) -> None:
    text = UNIT.read_text()
    assert INSTALLED in text
    assert complaints(tmp_path, text) == []
    # and the check does catch a bad key: verify alone would have exited 0
    broken = text.replace("NoNewPrivileges=yes", "NoNewPrivilege=yes")
    assert any("NoNewPrivilege" in line for line in complaints(tmp_path, broken))


def test_unit_grants_real_time_dispatch_and_stays_hardened(tmp_path: Path) -> None:
    unit = keys(UNIT.read_text())
    for key, value in {"CPUSchedulingPolicy": "fifo", "CPUSchedulingPriority": "20",
                       "CPUSchedulingResetOnFork": "yes", "LimitMEMLOCK": "infinity",
                       "RestrictRealtime": "yes"}.items():
        assert unit.get(key) == [value], key
    if not shutil.which("systemd-analyze"):
        pytest.skip("no systemd-analyze")
    done = subprocess.run(["systemd-analyze", "security", "--offline=yes", str(UNIT)],
                          capture_output=True, text=True, timeout=60)
    if "--offline" in done.stderr:
        pytest.skip("systemd-analyze security has no --offline here")
    level = [line for line in done.stdout.splitlines() if "Overall exposure level" in line]
    assert level, done.stdout + done.stderr
    assert float(level[0].split(":")[1].split()[0]) <= 2.0, level[0]


def test_unit_has_what_a_service_needs() -> None:
    unit = keys(UNIT.read_text())
    expected = {"Type": "notify", "Restart": "on-failure", "User": "showctl",
                "StateDirectory": "showctl", "NoNewPrivileges": "yes",
                "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
                "CapabilityBoundingSet": "", "MemoryDenyWriteExecute": "yes",
                "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX"}
    for key, value in expected.items():
        assert unit.get(key) == [value], key
    assert int(unit["WatchdogSec"][0]) >= 2
    # set on purpose: room for the connection budget beside the controller's own files
    from showctl.connlimits import RESERVE
    assert int(unit["LimitNOFILE"][0]) >= 4 * RESERVE
    assert int(unit["TimeoutStopSec"][0]) > 2  # we exit within 2 s of SIGTERM
    assert unit["ExecStart"][0].split()[1:3] == ["run", "--config"]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze")
def test_player_unit_verifies_without_a_word(tmp_path: Path) -> None:
    text = PLAYER_UNIT.read_text()
    assert INSTALLED in text
    name = "showctl-player@screen1.service"
    assert complaints(tmp_path, text, name) == []
    broken = text.replace("DevicePolicy=closed", "DevicePolicy=shut")
    assert complaints(tmp_path, broken, name) != []


def test_player_unit_is_hardened_and_reaches_picture_and_sound() -> None:
    unit = keys(PLAYER_UNIT.read_text())
    expected = {"User": "showctl", "NoNewPrivileges": "yes", "ProtectSystem": "strict",
                "ProtectHome": "yes", "PrivateTmp": "yes", "CapabilityBoundingSet": "",
                "DevicePolicy": "closed", "RuntimeDirectoryMode": "0700",
                "Restart": "on-failure", "SupplementaryGroups": "video render audio"}
    for key, value in expected.items():
        assert unit.get(key) == [value], key
    assert {"char-drm rw", "char-alsa rw"} <= set(unit["DeviceAllow"])
    assert "PrivateDevices" not in unit  # it would hide /dev/dri and /dev/snd
    assert unit["ExecStart"][0].split()[1:3] == ["player", "--config"]
    assert "$PLAYER_ARGS" in unit["ExecStart"][0] and unit["Environment"][0] == (
        "PLAYER_ARGS=--device=%i")
