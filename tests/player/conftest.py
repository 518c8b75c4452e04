"""A room of real mpv players (`--vo=null --ao=null`) on clips made once per session.

The test is the controller: it sends the `showctl` profile's bundles over UDP, reads
`/showctl/player/status` where the venue's OSC input would be, and looks inside each
mpv through its own IPC socket, as a technician would.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import statistics
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from showctl.codec.osc import decode, encode_bundle, encode_message
from showctl.files.loader import load_config
from showctl.model.player_status import PlayerStatus
from showctl.player.app import Player
from showctl.player.ipc import MpvIpc
from tests.support import free_port, write_config

FPS = 25
FRAME = 1 / FPS
CLIP_SECONDS = 12

needs_mpv = pytest.mark.skipif(shutil.which("mpv") is None or shutil.which("ffmpeg") is None,
                               reason="mpv and ffmpeg are needed (scripts/system-deps)")


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> Path:
    """A short-GOP video (25 fps, 12 s) and a sine wave, made with ffmpeg once."""
    root = tmp_path_factory.mktemp("media")
    quiet = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y"]
    subprocess.run([*quiet, "-f", "lavfi", "-i",
                    f"testsrc=duration={CLIP_SECONDS}:size=160x90:rate={FPS}", "-g", "5",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                    str(root / "clip.mp4")], check=True, timeout=60)
    subprocess.run([*quiet, "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={CLIP_SECONDS}:sample_rate=48000",
                    str(root / "tone.wav")], check=True, timeout=60)
    return root


class Room:
    """The test's side: send bundles, read statuses, watch each mpv."""

    def __init__(self, player: Player, status_sock: socket.socket) -> None:
        self.player = player
        self.status_sock = status_sock
        self.out = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.watchers: dict[str, Watcher] = {}

    def send(self, device: str, at: float | None, *messages: tuple) -> None:
        """One bundle to the device, due at wall time `at` (None: a plain message each)."""
        d = self.player.devices[device].device
        encoded = [encode_message(address, *args) for address, *args in messages]
        if at is None:
            for m in encoded:
                self.out.sendto(m, (d.host, d.port))
        else:
            self.out.sendto(encode_bundle(at, encoded), (d.host, d.port))

    def clock(self, device: str, media: str, position: float, at: float | None = None) -> None:
        at = time.time() if at is None else at
        self.send(device, at, ("/showctl/player/clock", position, media, position))

    async def status(self, device: str, timeout: float = 3.0) -> PlayerStatus:
        """The next status the device sends (from now on)."""
        asked = time.time()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            try:
                data = await asyncio.wait_for(loop.sock_recv(self.status_sock, 65536),
                                              deadline - loop.time())
            except TimeoutError:
                break
            (message,) = decode(data)
            status = PlayerStatus.from_json(message.args[1])
            if message.args[0] == device and status.sent_at >= asked:
                return status
        raise AssertionError(f"no status from {device} within {timeout} s")

    async def watch(self, device: str) -> Watcher:
        if device not in self.watchers:
            watcher = Watcher()
            await watcher.ipc.connect(self.player.mpvs[device].socket_path)
            for name in ("time-pos", "brightness", "volume", "idle-active"):
                await watcher.ipc.observe(name)
            self.watchers[device] = watcher
        return self.watchers[device]

    async def kill_mpv(self, device: str) -> Watcher:
        """Kills the device's mpv as a crash would; a watcher on the restarted one."""
        await self.watchers.pop(device).ipc.close()
        mpv = self.player.mpvs[device]
        mpv.process.kill()
        async with asyncio.timeout(10):
            await mpv.restarted(mpv.restarts + 1)
        return await self.watch(device)

    async def close(self) -> None:
        for watcher in self.watchers.values():
            await watcher.ipc.close()
        self.out.close()


class Watcher:
    """One outside connection to an mpv: every property change, stamped on arrival."""

    def __init__(self) -> None:
        self.changes: dict[str, list[tuple[float, object]]] = {}
        self.changed = asyncio.Event()
        self.events: list[tuple[float, str]] = []
        self.ipc = MpvIpc(on_property=self._seen,
                          on_event=lambda name, _: self.events.append((time.time(), name)))

    def _seen(self, name: str, value: object, at: float) -> None:
        self.changes.setdefault(name, []).append((at, value))
        self.changed.set()

    def since(self, name: str, start: float) -> list[tuple[float, object]]:
        return [(at, v) for at, v in self.changes.get(name, []) if at >= start]

    async def until(self, check, timeout: float = 10.0) -> None:
        """Waits for `check()` to hold, re-checked on each change mpv reports."""
        async with asyncio.timeout(timeout):
            while not check():
                self.changed.clear()
                await self.changed.wait()

    def error(self, media_start_wall: float, media_start: float, since: float) -> list[float]:
        """Deviation of each frame change after `since` from the line (wall, position)."""
        return [v - (media_start + at - media_start_wall)
                for at, v in self.since("time-pos", since) if isinstance(v, float)]


def on_line(errors: list[float], within: float = FRAME / 3) -> bool:
    """Frames on time: the median within `within`, 3 in 4 within 1.5 times that.

    Not every frame: on two cores shared with the rest of the suite a stalled loop stamps
    a frame change late now and then, which is the measurement's noise, not the player's.
    """
    if len(errors) < 5:
        return False
    ordered = sorted(abs(e) for e in errors)
    return (statistics.median(ordered) < within
            and ordered[int(0.75 * (len(ordered) - 1))] < 1.5 * within)


def make_venue(root: Path, shows: list[dict] | None = None) -> Path:
    path = write_config(root, screens=2, shows=shows)
    venue = yaml.safe_load(path.read_text())
    venue["devices"].append({"id": "sound", "kind": "audio", "host": "127.0.0.1",
                             "port": free_port(), "profile": "showctl"})
    path.write_text(yaml.safe_dump(venue, sort_keys=False))
    return path


SHOW = {"id": "clips", "preroll": 0.5, "cues": [
    {"id": "1", "at": 0, "screens": "all", "play": {"media": "clip.mp4"}},
    {"id": "2", "at": 5, "screens": [2], "play": {"media": "absent_{screen}.mp4"}},
    {"id": "3", "at": 9, "screens": "all", "black": {"fade": 1}}]}


@pytest.fixture
async def room(tmp_path, clips):
    venue_path = make_venue(tmp_path, [SHOW])
    config = load_config(venue_path)
    media = tmp_path / "media"
    media.mkdir()
    for clip in clips.iterdir():
        (media / clip.name).symlink_to(clip)
    status_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    status_sock.bind(config.venue.osc.listen)
    status_sock.setblocking(False)
    ipc_dir = Path(f"/tmp/showctl-test-{free_port()}")
    player = Player(config, ["screen1", "screen2", "sound"], media=media, ipc_dir=ipc_dir,
                    mpv_args=["--vo=null", "--ao=null"])
    await player.start()
    room = Room(player, status_sock)
    try:
        yield room
    finally:
        await room.close()
        await player.stop()
        status_sock.close()
        shutil.rmtree(ipc_dir, ignore_errors=True)


def loaded(watcher: Watcher, position: float):
    return lambda: any(v == pytest.approx(position, abs=1e-3)
                       for _, v in watcher.changes.get("time-pos", [])[-1:])


__all__ = ["FRAME", "Room", "Watcher", "json", "loaded", "needs_mpv", "on_line"]
