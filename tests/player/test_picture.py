"""Soft edges and geometry on rendered frames (SPEC 7.3): the player's shader in Debian's
mpv with its GPU output (`--vo=gpu --gpu-context=x11egl`) under Xvfb and Mesa's software
renderer, a white frame, `screenshot-to-file ... window`, and the pixels compared with
the venue's ramp (within 2 %) and with where a keystone or a mesh puts the image.
The pixels are decoded by ffmpeg, not by showctl; the expected ramp is worked out here."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from showctl.model import Device
from showctl.model.picture import Blend, Geometry
from showctl.player.picture import shader

W, H = 640, 360
needs_gpu_tools = pytest.mark.skipif(
    not all(shutil.which(t) for t in ("xvfb-run", "mpv", "ffmpeg")),
    reason="xvfb, mpv and ffmpeg (scripts/system-deps)")
pytestmark = [pytest.mark.timeout(120), needs_gpu_tools]


def expected(t: float, curve: str, gamma: float) -> float:
    """The ramp as docs/picture.md says it, computed apart from the product's code."""
    t = min(1.0, max(0.0, t))
    f = {"linear": t, "smoothstep": 3 * t * t - 2 * t ** 3,
         "cosine": (1 - math.cos(math.pi * t)) / 2}[curve]
    return f ** (1 / gamma)


class Mpv:
    """mpv under xvfb-run, spoken to over a socket pair (`--input-ipc-client=fd://`)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        ours, theirs = socket.socketpair()
        self.sock = ours
        self.sock.settimeout(30)
        self.buffer = b""
        self.serial = 0
        env = {**os.environ, "LIBGL_ALWAYS_SOFTWARE": "1"}
        self.proc = subprocess.Popen(
            ["xvfb-run", "-a", "-s", f"-screen 0 {W}x{H}x24", "mpv", "--no-config",
             "--vo=gpu", "--gpu-context=x11egl", f"--geometry={W}x{H}+0+0", "--no-border",
             "--pause", "--keep-open=yes", "--idle=yes", "--force-window=yes",
             "--osd-level=0", "--no-osc", "--dither-depth=no", "--really-quiet",
             f"--input-ipc-client=fd://{theirs.fileno()}",
             f"av://lavfi:color=c=white:s={W}x{H}:r=25"],
            pass_fds=(theirs.fileno(),), env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        theirs.close()

    def command(self, *args: object) -> object:
        self.serial += 1
        self.sock.sendall(json.dumps({"command": list(args),
                                      "request_id": self.serial}).encode() + b"\n")
        while True:
            message = self._message()
            if message.get("request_id") == self.serial:
                assert message["error"] == "success", (args, message)
                return message.get("data")

    def wait_event(self, name: str) -> None:
        while self._message().get("event") != name:
            pass

    def _message(self) -> dict:
        while b"\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            assert chunk, "mpv went away"
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def shot(self, name: str) -> tuple[int, int, bytes]:
        path = self.tmp / f"{name}.png"
        self.command("screenshot-to-file", str(path), "window")
        raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "rawvideo",
                              "-pix_fmt", "gray", "-"], capture_output=True, check=True).stdout
        probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0",
                                "-show_entries", "stream=width,height", "-of", "csv=p=0",
                                str(path)], capture_output=True, text=True, check=True)
        width, height = (int(n) for n in probe.stdout.strip().split(","))
        return width, height, raw

    def use(self, text: str | None, name: str) -> None:
        paths = []
        if text is not None:
            path = self.tmp / f"{name}.glsl"
            path.write_text(text)
            paths = [str(path)]
        self.command("set_property", "glsl-shaders", paths)

    def close(self) -> None:
        with contextlib.suppress(AssertionError, OSError):
            self.command("quit")
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.sock.close()


@pytest.fixture
def mpv(tmp_path: Path):
    player = Mpv(tmp_path)
    try:
        player.command("observe_property", 1, "vo-configured")
        while True:  # the window is up and the first frame drawn
            message = player._message()
            if message.get("event") == "property-change" and message.get("data") is True:
                break
        yield player
    finally:
        player.close()


def screen(**keys: object) -> Device:
    return Device(id="screen1", kind="screen", index=1, port=9101, **keys)


def value(shot: tuple[int, int, bytes], x: float, y: float) -> float:
    """The grey level (0-1) at the pixel whose centre is nearest (x, y) in fractions."""
    width, height, raw = shot
    px, py = min(width - 1, int(x * width)), min(height - 1, int(y * height))
    return raw[py * width + px] / 255


def test_blend_ramps_match_the_venue_within_2_percent(mpv: Mpv, tmp_path: Path) -> None:
    blend = Blend(left=0.25, right=0.125, top=0.0, bottom=0.2, gamma=2.2, curve="smoothstep")
    mpv.use(shader(screen(blend=blend), None), "blend")
    shot = mpv.shot("blend")
    width, height, raw = shot
    assert (width, height) == (W, H)
    worst, checked = 0.0, 0
    y = 0.4  # above the bottom overlap: the left and right ramps alone
    for px in range(width):
        u = (px + 0.5) / width
        want = expected(u / 0.25, "smoothstep", 2.2) * expected((1 - u) / 0.125, "smoothstep",
                                                                 2.2)
        got = raw[int(y * height) * width + px] / 255
        worst = max(worst, abs(got - want))
        checked += 1
    assert checked == W and worst <= 0.02, f"worst deviation {worst:.4f}"
    print(f"blend: worst deviation across the row {worst * 255:.2f} grey levels")
    column = [raw[py * width + width // 2] / 255 for py in range(height)]
    for py, got in enumerate(column):
        v = (py + 0.5) / height
        assert abs(got - expected((1 - v) / 0.2, "smoothstep", 2.2)) <= 0.02, (py, got)
    # the same overlap with the linear curve and gamma 1.8: the ramp follows the venue
    mpv.use(shader(screen(blend=Blend(left=0.5, gamma=1.8, curve="linear")), None), "linear")
    _, _, raw = shot = mpv.shot("linear")
    for px in range(0, width, 7):
        u = (px + 0.5) / width
        assert abs(raw[(height // 2) * width + px] / 255 - expected(u / 0.5, "linear", 1.8)) \
            <= 0.02, px


def test_keystone_puts_the_image_inside_its_corners(mpv: Mpv) -> None:
    corners = ((0.2, 0.1), (0.8, 0.1), (1.0, 0.9), (0.0, 0.9))  # narrower at the top
    mpv.use(shader(screen(geometry=Geometry(corners=corners)), None), "keystone")
    shot = mpv.shot("keystone")
    for y in (0.15, 0.3, 0.5, 0.7, 0.85):
        s = (y - 0.1) / 0.8
        left, right = 0.2 * (1 - s), 0.8 + 0.2 * s
        assert value(shot, left - 0.02, y) < 0.05 and value(shot, left + 0.02, y) > 0.95, y
        assert value(shot, right + 0.02, y) < 0.05 and value(shot, right - 0.02, y) > 0.95, y
    assert value(shot, 0.5, 0.05) < 0.05 and value(shot, 0.5, 0.95) < 0.05
    assert value(shot, 0.5, 0.12) > 0.95 and value(shot, 0.5, 0.88) > 0.95


def test_a_mesh_warp_moves_the_image(mpv: Mpv, tmp_path: Path) -> None:
    mesh = tmp_path / "warp.json"  # each output point shows the image 0.25 further right
    mesh.write_text(json.dumps({"cols": 3, "rows": 2, "points": [
        [0.25, 0], [0.75, 0], [1.25, 0], [0.25, 1], [0.75, 1], [1.25, 1]]}))
    mpv.use(shader(screen(geometry=Geometry(mesh=Path("warp.json"))), tmp_path), "mesh")
    shot = mpv.shot("mesh")
    for y in (0.1, 0.5, 0.9):
        assert value(shot, 0.70, y) > 0.95 and value(shot, 0.80, y) < 0.05, y
    mpv.use(None, "none")  # no shader: the whole frame white
    shot = mpv.shot("none")
    assert value(shot, 0.99, 0.5) > 0.95 and value(shot, 0.01, 0.01) > 0.95


async def test_no_frame_is_needed_to_validate(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"cols": 2, "rows": 2, "points": [[0, 0]]}')
    with pytest.raises(ValueError, match="points: 1 given, cols × rows is 4"):
        shader(screen(geometry=Geometry(mesh=Path("bad.json"))), tmp_path)
    with pytest.raises(ValueError, match="cannot read the mesh"):
        shader(screen(geometry=Geometry(mesh=Path("none.json"))), tmp_path)
    assert shader(screen(), None) is None
    await asyncio.sleep(0)


def test_bad_pictures_are_named_at_their_line_and_column(tmp_path: Path) -> None:
    import yaml

    from showctl.files.errors import InvalidFiles
    from showctl.files.loader import load_config
    from tests.support import write_config

    path = write_config(tmp_path, screens=3)
    data = yaml.safe_load(path.read_text())
    data["devices"][0]["blend"] = {"left": 0.7, "gamma": 2.2}
    data["devices"][1]["geometry"] = {"corners": [[0, 0], [1, 0], [0, 1], [1, 1]]}  # twisted
    data["devices"][2]["geometry"] = {"mesh": "warp/none.json"}
    data["devices"][3]["blend"] = {"left": 0.1}  # the lighting device
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(InvalidFiles) as caught:
        load_config(path)
    lines = str(caught.value)
    assert f"{path}:19:11: left: must be at most 0.5, got 0.7" in lines
    assert "the corners enclose no area" in lines
    assert "cannot read the mesh" in lines
    assert "blend and geometry are for screens" in lines
    assert all(line.startswith(f"{path}:") for line in lines.splitlines() if line.strip())


async def test_the_player_writes_the_shader_and_reloads_it_when_the_venue_changes(
        tmp_path: Path) -> None:
    import sys

    import yaml

    from tests.support import write_config

    path = write_config(tmp_path, screens=2)
    data = yaml.safe_load(path.read_text())
    data["devices"][0]["blend"] = {"left": 0.1, "right": 0.1}
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    (tmp_path / "media").mkdir()
    ipc = tmp_path / "ipc"
    player = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "showctl", "player", "--config", str(path), "--device",
        "screen1", "--media", str(tmp_path / "media"), "--ipc-dir", str(ipc),
        "--mpv-arg=--vo=null", "--mpv-arg=--ao=null", stderr=asyncio.subprocess.PIPE)
    try:
        assert player.stderr is not None
        while b"playing screen1" not in await asyncio.wait_for(player.stderr.readline(), 30):
            pass
        reader, writer = await asyncio.open_unix_connection(str(ipc / "screen1.sock"))
        writer.write(b'{"command": ["observe_property", 1, "glsl-shaders"]}\n')

        async def shaders() -> list[str]:
            while True:
                message = json.loads(await asyncio.wait_for(reader.readline(), 30))
                if message.get("event") == "property-change" and message.get("data"):
                    return message["data"]

        first = await shaders()
        assert len(first) == 1 and "uv.x) / 0.1" in Path(first[0]).read_text()
        data["devices"][0]["blend"] = {"left": 0.3, "gamma": 1.8}
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        second = await shaders()
        assert second != first and "uv.x) / 0.3" in Path(second[0]).read_text()
        assert not Path(first[0]).exists()
        writer.close()
    finally:
        player.terminate()
        await asyncio.wait_for(player.wait(), 20)
