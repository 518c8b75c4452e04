"""keepalived's notify and check scripts (systemd/) and `showctl standby` against a
controller pair on loopback: the role from keepalived, a planned switch both ways."""

import asyncio
import json
import sys
from pathlib import Path

from showctl.standby.keepalived import Options, render
from tests.standby.pair import PEERS, open_pair

ROOT = Path(__file__).resolve().parents[2]
SHOWCTL = [sys.executable, "-m", "showctl"]


async def run(*argv: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE, cwd=ROOT)
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    return proc.returncode, out.decode(), err.decode()


async def test_notify_check_and_a_planned_switch_both_ways(tmp_path):
    pair = await open_pair(tmp_path)
    try:
        venue = str(pair.a.config.venue.source)
        state = str(pair.a.config.venue.state_dir)
        code, _, err = await run(str(ROOT / "systemd/showctl-standby-check"), state)
        assert code == 0, err
        code, _, err = await run(str(ROOT / "systemd/showctl-standby-notify"), state,
                                 "INSTANCE", "showctl", "MASTER", "100")
        assert code == 0, err
        assert pair.fa.role == "active" and pair.fa.keepalived == "MASTER"
        assert (Path(state) / "standby-role").read_text() == "MASTER\n"
        pair.a.start("ring", by="test")
        await pair.room.clock.advance(1.0)
        await pair.heard(pair.fb)
        code, out, err = await run(*SHOWCTL, "standby", "status", "--json", "--config", venue)
        assert code == 0, err
        status = json.loads(out)
        assert status["role"] == "active" and status["peer"] == PEERS[1]
        code, out, err = await run(*SHOWCTL, "standby", "demote", "--config", venue)
        assert code == 0, err
        assert (pair.fa.role, pair.fb.role) == ("standby", "active")
        assert pair.b.state == "running" and pair.a.muted and not pair.b.muted
        assert (Path(state) / "standby-fault").read_text() == "1\n"  # keepalived follows
        code, out, err = await run(*SHOWCTL, "standby", "promote", "--config", venue)
        assert code == 0, err + out
        assert "active" in out
        assert (pair.fa.role, pair.fb.role) == ("active", "standby")
        assert pair.a.state == "running" and pair.fa.epoch == pair.fb.epoch + 1
        code, _, err = await run(str(ROOT / "systemd/showctl-standby-notify"), state,
                                 "INSTANCE", "showctl", "BACKUP", "100")
        assert pair.fa.role == "standby"  # keepalived's word is the role
    finally:
        await pair.close()
    code, _, _ = await run(str(ROOT / "systemd/showctl-standby-check"), state)
    assert code == 1  # nobody answers: keepalived lets the address go


async def test_the_shipped_keepalived_example_is_what_the_command_makes(tmp_path):
    """systemd/keepalived-showctl.conf stays the output of `showctl standby keepalived`."""
    from showctl.model.standby import Standby

    standby = Standby(peers=("ctl-a", "ctl-b"), address="10.0.0.10/24",
                      key_file=Path("standby.key"), interface="eth0")
    made = render(standby, Options("ctl-a", "ctl-b", "10.0.0.11", "10.0.0.12",
                                   Path("/var/lib/showctl")))
    assert (ROOT / "systemd" / "keepalived-showctl.conf").read_text() == made
