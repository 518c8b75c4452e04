"""`showctl cues`, `showctl play` and `showctl simulate` as a user runs them."""

import asyncio
import os
import pty
import signal
import sys

import pytest

from showctl.cli import main
from tests.support import write_config

QUICK = {
    "id": "quick",
    "preroll": 0.2,
    "cues": [
        {"id": "1", "at": 0, "name": "Out", "lights": {"cue": "house-out", "fade": 0}},
        {"id": "2", "at": 0.3, "name": "Pano", "screens": "all",
         "play": {"media": "p_{screen}.mp4"}},
        {"id": "3", "at": 0.6, "name": "End", "screens": "all", "black": {"fade": 0}},
    ],
}
LONG = {**QUICK, "id": "long", "cues": [*QUICK["cues"][:2],
                                        {"id": "3", "at": 60, "name": "End", "screens": "all",
                                         "black": {"fade": 0}}]}


class Inbox(asyncio.DatagramProtocol):
    def __init__(self):
        self.got: list[bytes] = []

    def datagram_received(self, data, addr):
        self.got.append(data)


async def listen(venue_path):
    from showctl.files.loader import load_config

    venue = load_config(venue_path).venue
    loop = asyncio.get_running_loop()
    boxes, transports = {}, []
    for device in venue.devices:
        transport, box = await loop.create_datagram_endpoint(
            Inbox, local_addr=(device.host, device.port))
        boxes[device.id], transports = box, [*transports, transport]
    return boxes, transports


async def showctl(*args):
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "showctl", *args, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)


def test_cues_prints_each_device_and_its_exact_osc(tmp_path, capsys):
    venue = write_config(tmp_path, shows=[QUICK])
    assert main(["cues", "quick", "--config", str(venue)]) == 0
    out = capsys.readouterr().out
    assert "-0:00.200  preroll" in out
    assert "screen4  /showctl/player/load 'p_4.mp4' 0.0" in out
    assert "0:00.300   2" in out and "screen9  /showctl/player/play 'p_9.mp4' 0.0" in out
    assert "lights   /showctl/lights/cue 'house-out' 0.0" in out


def test_cues_of_an_unknown_show_is_one_clear_line(tmp_path, capsys):
    venue = write_config(tmp_path, shows=[QUICK])
    assert main(["cues", "nope", "--config", str(venue)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("showctl: no show 'nope'") and "Traceback" not in err


async def test_play_runs_the_show_to_its_end_and_exits_0(tmp_path):
    venue = write_config(tmp_path, shows=[QUICK])
    boxes, transports = await listen(venue)
    proc = await showctl("play", "quick", "--config", str(venue))
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    for t in transports:
        t.close()
    assert proc.returncode == 0, err.decode()
    text = err.decode()
    assert "0:00.300 cue 2 Pano" in text and text.rstrip().endswith("quick: completed")
    assert "another controller" not in text  # none listens at the venue's OSC input
    assert any(b"p_5.mp4" in d for d in boxes["screen5"].got)
    assert any(b"/showctl/player/black" in d for d in boxes["screen5"].got)


async def test_play_from_a_time_starts_mid_show(tmp_path):
    venue = write_config(tmp_path, shows=[LONG])
    boxes, transports = await listen(venue)
    proc = await showctl("play", "long", "--from", "0:59.5", "--config", str(venue))
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    for t in transports:
        t.close()
    assert proc.returncode == 0, err.decode()
    assert "cue 2" not in err.decode() and "1:00.000 cue 3 End" in err.decode()
    plays = [d for d in boxes["screen1"].got if b"/showctl/player/play" in d]
    assert len(plays) == 1 and b"p_1.mp4" in plays[0]


async def test_ctrl_c_stops_safely_and_exits_1(tmp_path):
    venue = write_config(tmp_path, shows=[LONG], venue_extra={"safe_look": {"fade": 0.2}})
    boxes, transports = await listen(venue)
    proc = await showctl("play", "long", "--config", str(venue))
    while b"cue 2" not in (line := await asyncio.wait_for(proc.stderr.readline(), 30)):
        assert line, "play ended before cue 2"
    proc.send_signal(signal.SIGINT)
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    for t in transports:
        t.close()
    assert proc.returncode == 1
    assert "long: stopped" in err.decode() and "Traceback" not in err.decode()
    assert b"/showctl/player/black" in boxes["screen3"].got[-1]
    assert b"house-up" in boxes["lights"].got[-1]


async def test_play_on_a_terminal_redraws_one_progress_line(tmp_path):
    # cue 2 stays current for 1.2 s: several redraws (every 0.2 s), even on a slow machine
    slow = {**QUICK, "cues": [*QUICK["cues"][:2], {**QUICK["cues"][2], "at": 1.5}]}
    venue = write_config(tmp_path, shows=[slow])
    _, transports = await listen(venue)
    master, slave = pty.openpty()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "showctl", "play", "quick", "--config", str(venue),
        stdout=asyncio.subprocess.DEVNULL, stderr=slave)
    os.close(slave)

    def read_all() -> bytes:
        out = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the process is gone and with it the terminal's far end
                return out
            if not chunk:
                return out
            out += chunk

    try:
        text = (await asyncio.wait_for(asyncio.to_thread(read_all), 30)).decode()
        assert await asyncio.wait_for(proc.wait(), 30) == 0
    finally:
        os.close(master)
        for t in transports:
            t.close()
    frames = [f.strip() for f in text.split("\r") if f.strip()]
    # redrawn in place: state, elapsed / total and the current cue's name
    assert any(f.startswith("running") and "/ 0:01.500" in f and "2 Pano" in f for f in frames)
    assert "0:00.300 cue 2 Pano\r\n" in text  # the record of what fired, above the line
    assert frames[-1] == "quick: completed"


async def test_play_waits_at_a_hold_until_enter(tmp_path):
    held = {**QUICK, "id": "held", "cues": [
        *QUICK["cues"][:2], {"id": "H", "at": 0.4, "name": "Guide", "hold": True},
        {**QUICK["cues"][2], "at": 0.5}]}
    venue = write_config(tmp_path, shows=[held])
    _, transports = await listen(venue)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "showctl", "play", "held", "--config", str(venue),
        stdin=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        while b"press Enter" not in (line := await asyncio.wait_for(proc.stderr.readline(), 30)):
            assert line, "play ended before the hold"
            assert b"cue 3" not in line
        assert line.decode().strip() == "holding at cue H Guide: press Enter to go on"
        proc.stdin.write(b"\n")
        await proc.stdin.drain()
        rest = (await asyncio.wait_for(proc.stderr.read(), 30)).decode()
        assert await proc.wait() == 0
        assert "0:00.500 cue 3 End" in rest and rest.rstrip().endswith("held: completed")
    finally:
        if proc.returncode is None:
            proc.kill()
        for t in transports:
            t.close()


@pytest.mark.parametrize("bad", ["soon", "9:00", "-5"])
def test_play_refuses_a_bad_start(tmp_path, capsys, bad):
    venue = write_config(tmp_path, shows=[QUICK])
    assert main(["play", "quick", "--from", bad, "--config", str(venue)]) == 1
    assert capsys.readouterr().err.startswith("showctl: --from")


async def test_simulate_prints_one_line_per_command_and_stops_on_sigterm(tmp_path):
    from pythonosc.udp_client import SimpleUDPClient

    from showctl.files.loader import load_config

    venue_path = write_config(tmp_path, shows=[QUICK])
    venue = load_config(venue_path).venue
    proc = await showctl("simulate", "--config", str(venue_path))
    banner = await asyncio.wait_for(proc.stderr.readline(), 30)
    assert b"simulating 10 devices" in banner
    screen = venue.device("screen2")
    SimpleUDPClient(screen.host, screen.port).send_message("/showctl/player/play", ["x.mp4", 1.5])
    line = await asyncio.wait_for(proc.stdout.readline(), 10)
    assert b"screen2" in line and b"/showctl/player/play 'x.mp4' 1.5" in line
    proc.send_signal(signal.SIGTERM)
    await asyncio.wait_for(proc.wait(), 10)
    assert proc.returncode == 0


async def test_simulate_does_not_print_the_controllers_replies(tmp_path):
    """Each heartbeat is answered; those answers are not commands to print (they were 9
    lines a second of "unknown address: ignored"), but a refusal is."""
    from pythonosc.udp_client import SimpleUDPClient

    from showctl.codec.osc import encode_message
    from showctl.core.clock import SystemClock
    from showctl.core.controller import Controller
    from showctl.core.events import DEVICE
    from showctl.files.loader import load_config
    from showctl.osc import OscServer

    venue_path = write_config(tmp_path, shows=[QUICK])
    config = load_config(venue_path)
    controller = Controller(config, SystemClock())
    online = asyncio.Event()
    controller.bus.subscribe(lambda e: online.set() if e.kind == DEVICE
                             and e.data["device"] == "screen2" else None)
    server = OscServer(controller)
    await server.start()
    proc = await showctl("simulate", "--config", str(venue_path))
    try:
        await asyncio.wait_for(proc.stderr.readline(), 30)
        await asyncio.wait_for(online.wait(), 10)  # heartbeats came, replies went back
        await asyncio.sleep(0)
        screen = config.venue.device("screen2")
        SimpleUDPClient(screen.host, screen.port).send_message("/showctl/player/play",
                                                               ["x.mp4", 1.5])
        line = await asyncio.wait_for(proc.stdout.readline(), 10)
        assert b"/showctl/player/play 'x.mp4' 1.5" in line, line  # the first line printed
        refusal = encode_message("/showctl/reply/showctl/heartbeat",
                                 '{"address": "/showctl/heartbeat", "status": "error", '
                                 '"data": "no device \'screen2\' in the venue"}')
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol,
                                                           local_addr=("127.0.0.1", 0))
        transport.sendto(refusal, (screen.host, screen.port))
        transport.close()
        line = await asyncio.wait_for(proc.stdout.readline(), 10)
        assert b"screen2" in line and b"the controller refused: no device 'screen2'" in line
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 10)
        await server.stop()
        await controller.close()
    assert b"unknown address" not in await proc.stdout.read()


async def test_cues_into_head_exits_quietly(tmp_path):
    """`showctl cues SHOW | head -1`: head closes the pipe early; no "Broken pipe"."""
    many = {"id": "many", "cues": [{"id": str(n), "at": n, "name": f"Cue {n}", "screens": "all",
                                    "play": {"media": f"m{n}_{{screen}}.mp4"}}
                                   for n in range(1500)]}  # far more than a pipe's buffer
    venue_path = write_config(tmp_path, shows=[many])
    read, write = os.pipe()
    head = await asyncio.create_subprocess_exec("head", "-n", "1", stdin=read,
                                                stdout=asyncio.subprocess.PIPE)
    cues = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "showctl", "cues", "many", "--config", str(venue_path),
        stdout=write, stderr=asyncio.subprocess.PIPE)
    os.close(read)
    os.close(write)
    first = await asyncio.wait_for(head.stdout.read(), 30)
    err = await asyncio.wait_for(cues.stderr.read(), 30)
    await asyncio.wait_for(cues.wait(), 30)
    assert first.count(b"\n") == 1
    assert err == b"", err  # no "internal error: Broken pipe", no traceback
    assert cues.returncode == 141


async def test_play_warns_when_another_controller_drives_the_devices(tmp_path):
    """A `showctl run` already listening at the venue's OSC input would fight `play` over
    every screen: play says so (and what that controller is doing) before it starts."""
    from showctl.core.clock import SystemClock
    from showctl.core.controller import Controller
    from showctl.files.loader import load_config
    from showctl.osc import OscServer

    venue = write_config(tmp_path, shows=[QUICK, LONG])
    config = load_config(venue)
    running = Controller(config, SystemClock())
    server = OscServer(running)
    await server.start()
    _, transports = await listen(venue)
    try:
        running.load("long", by="test")
        proc = await showctl("play", "quick", "--from", "2", "--config", str(venue))
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    finally:
        for t in transports:
            t.close()
        await server.stop()
        await running.close()
    text = err.decode()
    host, port = config.venue.osc.listen
    assert text.startswith(f"showctl: warning: another controller answers at {host}:{port} "
                           "(loaded, long): it drives the same devices"), text
    # --from 2 is cue 2 (at 0.3 s), not 2 s: the show still has its End to play
    assert proc.returncode == 0 and "0:00.600 cue 3 End" in text, text
