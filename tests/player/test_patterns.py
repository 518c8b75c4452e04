"""Test patterns (SPEC 7.3): a cue's `pattern` through the plan and the showctl profile, the
player drawing it with no media file (its mpv opens the generated image or lavfi
source), the crosshatch's index on rendered frames, and the dashboard's rules (admins,
an idle room)."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from pathlib import Path

import pytest

from showctl.codec.osc import decode, encode_message
from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.core.plan import compile_plan
from showctl.errors import BadArgument, CommandError
from showctl.files.loader import load_config
from showctl.outputs.actions import Pattern
from showctl.outputs.router import Router
from showctl.player.patterns import crosshatch
from tests.player.test_picture import Mpv, needs_gpu_tools
from tests.support import SMALL_SHOW, write_config

pytestmark = pytest.mark.timeout(120)

PATTERN_SHOW = {"id": "setup", "cues": [
    {"id": "1", "at": 0, "screens": "all", "pattern": {"kind": "crosshatch"}},
    {"id": "2", "at": 5, "screens": [1], "pattern": {"kind": "bars"}}]}


def test_a_cue_pattern_is_planned_and_sent_as_the_profile_says(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, screens=3, shows=[PATTERN_SHOW]))
    plan = compile_plan(config.shows["setup"], config.venue)
    assert plan.cues[0].actions == tuple(Pattern(f"screen{i}", "crosshatch") for i in (1, 2, 3))
    assert plan.cues[1].actions == (Pattern("screen1", "bars"),)
    router = Router(config.venue)
    packets = router.packets(plan.cues[1].actions, None)
    [(device, _, data)] = packets
    assert device == "screen1"
    [message] = decode(data)
    assert (message.address, message.args) == ("/showctl/player/pattern", ("bars",))


def test_a_pattern_needs_screens_and_a_known_kind(tmp_path: Path) -> None:
    bad = {"id": "bad", "cues": [{"id": "1", "at": 0, "screens": "all",
                                  "pattern": {"kind": "zebra"}},
                                 {"id": "2", "at": 1, "pattern": {"kind": "grid"}}]}
    config = load_config(write_config(tmp_path, screens=2, shows=[bad, SMALL_SHOW]))
    assert "bad" not in config.shows
    [(path, errors)] = config.rejected.items()
    text = "\n".join(str(e) for e in errors)
    assert f"{path}:7:11: kind: 'zebra' is not one of: 'grid', 'crosshatch'" in text
    assert f"{path}:8:3: cue '2': pattern needs `screens:`" in text


async def test_patterns_from_the_dashboard_only_on_an_idle_room(tmp_path: Path) -> None:
    ctl = Controller(load_config(write_config(tmp_path, screens=2, shows=[SMALL_SHOW])),
                     SystemClock())
    try:
        assert ctl.pattern("grid", by="test") == ["screen1", "screen2"]
        assert ctl.pattern("off", [2], by="test") == ["screen2"]
        with pytest.raises(BadArgument, match="unknown pattern 'zebra'"):
            ctl.pattern("zebra", by="test")
        ctl.load("small", by="test")
        with pytest.raises(CommandError, match="only on an idle room: the show is loaded"):
            ctl.pattern("bars", by="test")
    finally:
        await ctl.close()


async def test_the_player_draws_the_pattern_without_media(tmp_path: Path) -> None:
    path = write_config(tmp_path, screens=2)
    config = load_config(path)
    device = config.venue.device("screen2")
    media = tmp_path / "media"
    media.mkdir()
    ipc = tmp_path / "ipc"
    player = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "showctl", "player", "--config", str(path), "--device",
        "screen2", "--media", str(media), "--ipc-dir", str(ipc),
        "--mpv-arg=--vo=null", "--mpv-arg=--ao=null", stderr=asyncio.subprocess.PIPE)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        assert player.stderr is not None
        while b"playing screen2" not in await asyncio.wait_for(player.stderr.readline(), 30):
            pass
        reader, writer = await asyncio.open_unix_connection(str(ipc / "screen2.sock"))
        writer.write(b'{"command": ["observe_property", 1, "path"]}\n')

        async def opened() -> str:
            while True:
                message = json.loads(await asyncio.wait_for(reader.readline(), 30))
                if message.get("event") == "property-change" and message.get("data"):
                    return str(message["data"])

        for kind, want in (("crosshatch", "crosshatch-screen2.pgm"),
                           ("bars", "av://lavfi:smptehdbars"), ("grid", "drawgrid"),
                           ("blend", "color=c=white")):
            sock.sendto(encode_message("/showctl/player/pattern", kind),
                        (device.host, device.port))
            assert want in await opened()
        image = media / ".showctl-media" / "patterns" / "crosshatch-screen2.pgm"
        assert image.read_bytes() == crosshatch(2, device.angle)
        writer.close()
    finally:
        sock.close()
        player.terminate()
        await asyncio.wait_for(player.wait(), 20)
    assert not list(media.glob("*.mp4"))


def _lit(shot: tuple[int, int, bytes], y0: float, y1: float) -> int:
    """White pixels in the band between y0 and y1 (fractions of the height)."""
    width, height, raw = shot
    band = raw[int(y0 * height) * width:int(y1 * height) * width]
    return sum(1 for v in band if v > 200)


@needs_gpu_tools
def test_the_crosshatch_shows_the_screens_index_on_rendered_frames(tmp_path: Path) -> None:
    mpv = Mpv(tmp_path)
    try:
        mpv.command("observe_property", 1, "vo-configured")
        while not (lambda m: m.get("event") == "property-change" and m.get("data"))(
                mpv._message()):
            pass
        lit = {}
        for index in (1, 3, 8):
            image = tmp_path / f"x{index}.pgm"
            image.write_bytes(crosshatch(index, 40.0 * (index - 1)))
            mpv.command("loadfile", str(image), "replace")
            mpv.wait_event("playback-restart")
            shot = mpv.shot(f"crosshatch{index}")
            width, height, raw = shot
            assert raw[(height // 2) * width + width // 2] > 200  # the centre cross
            assert raw[(height // 2 + 10) * width + 10] < 60  # between the lines: dark
            lit[index] = _lit(shot, 0.13, 0.37)  # the index's digits
        assert lit[1] < lit[3] < lit[8]  # segments: 2, 5, 7
        assert 2.0 < lit[8] / lit[1] < 4.5
    finally:
        mpv.close()


async def test_the_self_checks_visual_step_shows_its_pattern(tmp_path: Path) -> None:
    import yaml

    path = write_config(tmp_path, screens=2, shows=[SMALL_SHOW])
    data = yaml.safe_load(path.read_text())
    data["check"] = {"visual": "crosshatch"}
    path.write_text(yaml.safe_dump(data))
    screen = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    screen.bind(("127.0.0.1", data["devices"][1]["port"]))
    screen.setblocking(False)
    ctl = Controller(load_config(path), SystemClock())
    loop = asyncio.get_running_loop()
    try:
        await ctl.check(by="test")
        data_in = await asyncio.wait_for(loop.sock_recv(screen, 65536), 5)
        assert [(m.address, m.args) for m in decode(data_in)] == [
            ("/showctl/player/pattern", ("crosshatch",))]
        said: list[str] = []
        ctl.bus.subscribe(lambda e: said.append(str(e.data.get("message")))
                          if e.kind == "log" else None)
        ctl.load("small", by="test")  # a loaded room: the check shows nothing
        await ctl.check(by="test")
        assert any("self-check" in line for line in said)
        assert not any("test pattern" in line for line in said)
    finally:
        screen.close()
        await ctl.close()
