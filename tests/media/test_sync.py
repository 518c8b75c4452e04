"""Media on nine players (SPEC 7.2): status, sync of only what is missing or wrong,
bit rot found by a verifying sync, an interrupted copy resumed with a range request, a
full disk refused before anything moves. Each agent is a process of its own; the test
checks every copy against the library with hashlib itself."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.media.rig import MediaRoom, media_room, sha256

pytestmark = pytest.mark.timeout(180)


def _copies_match(room: MediaRoom, device: str) -> bool:
    names = room.controller.media.needed()[device]
    return all((room.pc(device) / n).is_file()
               and sha256(room.pc(device) / n) == sha256(room.library / n) for n in names)


def _parts(path: Path) -> list[Path]:
    return [p for p in path.rglob("*.part")]


async def _cli(room: MediaRoom, *args: str) -> subprocess.CompletedProcess[str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "showctl", "media", *args, "--config", room.venue_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return subprocess.CompletedProcess(args, proc.returncode or 0, out.decode(), err.decode())


async def test_nine_players_sync_only_what_is_missing_or_wrong(tmp_path: Path) -> None:
    room = await media_room(tmp_path)
    devices = [d.id for d in room.controller.venue.screens]
    try:
        # screen2 already holds a good copy, screen3 a copy that differs by a few bytes
        room.pc("screen2").mkdir(parents=True)
        shutil.copy(room.library / "pano_2.mp4", room.pc("screen2") / "pano_2.mp4")
        room.pc("screen3").mkdir(parents=True)
        bad = bytearray((room.library / "pano_3.mp4").read_bytes())
        bad[1000:1004] = b"oops"
        (room.pc("screen3") / "pano_3.mp4").write_bytes(bytes(bad))
        for device in devices:
            await room.start_agent(device)
        await room.until(lambda: all(room.row(d)["reported_at"] for d in devices))

        status = room.controller.media_status()
        rows = {r["device"]: r for r in status["players"]}
        assert status["ready"] is False
        assert rows["screen1"]["needed"] == 2 and rows["screen1"]["missing"] == [
            "pano_1.mp4", "f.mp4"]
        assert rows["screen2"]["verified"] == 1 and rows["screen2"]["ready"]
        assert rows["screen3"]["wrong"] == ["pano_3.mp4"]
        assert rows["screen4"]["bytes_to_go"] == 260_000
        assert rows["screen4"]["free_bytes"] > 0

        done = await _cli(room, "status")
        assert done.returncode == 1, done.stderr
        assert "screen3     NOT READY  needed 1  verified 0  missing 0  wrong 1" in done.stdout
        assert done.stdout.splitlines()[-1] == "NOT READY"

        done = await _cli(room, "sync")
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout.splitlines()[-1] == "ready"
        for device in devices:
            assert _copies_match(room, device), device
            assert not _parts(room.pc(device))
        served = {d: room.controller.media.served.get(d, {}).get("requests", 0)
                  for d in devices}
        assert served["screen2"] == 0  # its copy was good: nothing moved
        assert served["screen1"] == 2 and served["screen3"] == 1
        assert room.controller.media_status()["ready"] is True
        assert (await _cli(room, "status")).returncode == 0

        # bit rot: bytes change, size and dates do not; only a verifying sync finds it
        rotten = room.pc("screen5") / "pano_5.mp4"
        before = rotten.stat()
        with open(rotten, "r+b") as f:
            f.seek(5000)
            f.write(b"\xff\x00\xff")
        os.utime(rotten, ns=(before.st_atime_ns, before.st_mtime_ns))
        asked = room.controller.media_sync("screen5", by="test")
        await room.until(lambda: room.row("screen5")["synced"] >= asked["screen5"])
        assert sha256(rotten) != sha256(room.library / "pano_5.mp4")  # quick check: unseen
        asked = room.controller.media_sync("screen5", verify=True, by="test")
        await room.until(lambda: room.row("screen5")["synced"] >= asked["screen5"])
        assert _copies_match(room, "screen5")
        assert room.controller.media.served["screen5"]["requests"] == 2

        # an edit in place (its date changes) is found by the quick check of any sync
        edited = room.pc("screen6") / "pano_6.mp4"
        with open(edited, "r+b") as f:
            f.write(b"edited")
        asked = room.controller.media_sync(by="test")
        await room.until(lambda: all(room.row(d)["synced"] >= asked[d] for d in devices))
        assert _copies_match(room, "screen6")
        assert all(_copies_match(room, d) for d in devices)
    finally:
        await room.close()


async def test_an_interrupted_copy_resumes_where_it_stopped(tmp_path: Path) -> None:
    size = 3_000_000
    room = await media_room(tmp_path, screens=2, sizes={
        "pano_1.mp4": size, "pano_2.mp4": 1000, "f.mp4": 1000}, media={"limit": 1.5})
    try:
        await room.start_agent("screen1")
        await room.until(lambda: room.row("screen1")["reported_at"])
        room.controller.media_sync("screen1", by="test")
        await room.until(lambda: room.row("screen1")["moving"] == "pano_1.mp4"
                         and 300_000 < room.row("screen1")["moved_bytes"] < size // 2)
        await room.kill_agent("screen1")  # SIGKILL mid-file
        parts = _parts(room.pc("screen1"))
        assert len(parts) == 1 and 0 < parts[0].stat().st_size < size
        assert not (room.pc("screen1") / "pano_1.mp4").exists()  # never a half file by name
        kept = parts[0].stat().st_size

        await room.start_agent("screen1")  # the sync asked is still to do: it goes on
        await room.until(lambda: room.row("screen1")["ready"])
        assert _copies_match(room, "screen1")
        served = room.controller.media.served["screen1"]
        assert served["ranges"] == 1 and served["resumed_bytes"] == kept
        resumed = [r.resumed_from for r in room.reports if r.moving == "pano_1.mp4"]
        assert max(resumed) == kept
        assert not _parts(room.pc("screen1"))
    finally:
        await room.close()


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                          capture_output=True, check=False)
    return done.returncode == 0


async def test_a_full_disk_is_refused_before_anything_moves(tmp_path: Path) -> None:
    room = await media_room(tmp_path, screens=2, sizes={
        "pano_1.mp4": 600_000, "f.mp4": 600_000, "pano_2.mp4": 1000})
    disk = room.pc("screen1")
    if not _mount_tmpfs(disk, "1m"):
        await room.close()
        pytest.skip("needs root to mount a 1 MB tmpfs")
    try:
        await room.start_agent("screen1")
        await room.until(lambda: room.row("screen1")["reported_at"])
        free = room.row("screen1")["free_bytes"]
        assert free <= 1024 * 1024
        room.controller.media_sync("screen1", by="test")
        await room.until(lambda: room.row("screen1")["state"] == "refused")
        row = room.row("screen1")
        assert row["message"].startswith("not enough disk: 1.2 MB to fetch")
        assert "nothing moved" in row["message"]
        assert room.controller.media.served.get("screen1", {}).get("requests", 0) == 0
        assert sorted(p.name for p in disk.iterdir()) == [".showctl-media"]
        assert not _parts(disk)
        assert row["missing"] == ["pano_1.mp4", "f.mp4"] and not row["ready"]
    finally:
        await room.close()
        subprocess.run(["umount", "-l", str(disk)], check=False)


async def test_showctl_player_runs_the_agent_niced_in_the_idle_io_class(tmp_path: Path) -> None:
    room = await media_room(tmp_path, screens=2)
    token = tmp_path / "screen1.token"
    token.write_text(room.controller.media.token("screen1"))
    media = room.pc("screen1")
    media.mkdir(parents=True)
    player = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "showctl", "player", "--config", room.venue_path, "--device",
        "screen1", "--media", str(media), "--ipc-dir", str(tmp_path / "ipc"),
        "--media-token", str(token), "--mpv-arg=--vo=null", "--mpv-arg=--ao=null",
        stderr=asyncio.subprocess.DEVNULL)
    try:
        await room.until(lambda: room.row("screen1")["reported_at"])
        children = Path(f"/proc/{player.pid}/task/{player.pid}/children").read_text().split()
        agents = [pid for pid in children
                  if b"showctl.player.mediasync" in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert len(agents) == 1
        stat = Path(f"/proc/{agents[0]}/stat").read_text().rsplit(")", 1)[1].split()
        assert int(stat[16]) == 10  # niceness (field 19 of proc(5))
        if shutil.which("ionice"):
            said = subprocess.run(["ionice", "-p", agents[0]], capture_output=True, text=True)
            assert said.stdout.strip() == "idle"
        asked = room.controller.media_sync("screen1", by="test")
        await room.until(lambda: room.row("screen1")["synced"] >= asked["screen1"])
        assert _copies_match(room, "screen1")
    finally:
        player.terminate()
        await asyncio.wait_for(player.wait(), 20)
        await room.close()
    assert not Path(f"/proc/{agents[0]}").exists() or b"mediasync" not in Path(
        f"/proc/{agents[0]}/cmdline").read_bytes()
