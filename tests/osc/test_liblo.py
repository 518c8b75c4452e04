"""A third-party client: liblo's `oscsend` drives the controller, `oscdump` is a screen."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path

import pytest

from showctl.core.clock import FakeClock
from tests.osc.rig import Rig, rig_with
from tests.support import free_port

pytestmark = [
    pytest.mark.timeout(30),
    pytest.mark.skipif(not shutil.which("oscsend") or not shutil.which("oscdump"),
                       reason="liblo-tools not installed"),
]


async def oscsend(port: int, address: str, types: str = "", *values: str) -> None:
    proc = await asyncio.create_subprocess_exec("oscsend", "127.0.0.1", str(port), address,
                                                *([types, *values] if types else []))
    assert await asyncio.wait_for(proc.wait(), 15) == 0


async def test_oscsend_commands_reach_an_oscdump_screen(tmp_path: Path) -> None:
    # liblo holds a bundle until its timetag: the fake clock's wall must be today's
    async with rig_with(tmp_path, FakeClock(wall=time.time())) as rig:
        await drive(rig)


async def drive(rig: Rig) -> None:
    port = await rig.release("screen1")
    # liblo's oscdump only takes a port: it binds every interface; we send to 127.0.0.1
    dump = await asyncio.create_subprocess_exec("oscdump", "-L", str(port),
                                                stdout=asyncio.subprocess.PIPE)
    assert dump.stdout is not None
    try:
        async def line_with(text: str) -> str:
            async with asyncio.timeout(5):
                while True:
                    line = (await dump.stdout.readline()).decode()
                    assert line, "oscdump ended"
                    if text in line:
                        return line

        async def probe() -> None:  # oscdump gives no sign of being ready: ask until it answers
            while True:
                await oscsend(port, "/probe")
                await asyncio.sleep(0.05)

        prober = asyncio.ensure_future(probe())
        try:
            await line_with("/probe")
        finally:
            prober.cancel()

        await oscsend(rig.port, "/showctl/load", "s", "small")
        assert '"pano_1.mp4"' in await line_with("/showctl/player/load")
        await oscsend(rig.port, "/showctl/cue/2/fire")
        assert '"pano_1.mp4"' in await line_with("/showctl/player/play")
        await oscsend(rig.port, "/showctl/stop", "f", "0")
        await line_with("/showctl/player/black")
        assert rig.controller.state == "idle"
        await oscsend(rig.port, "/showctl/schedule/hold")
        await oscsend(rig.port, "/showctl/heartbeat", "s", "screen4")
        counters = rig.controller.status()["counters"]
        assert counters["osc.ok"] == 5 and counters.get("osc.bad_args", 0) == 0
        assert rig.controller.schedule_held
    finally:
        if dump.returncode is None:
            dump.terminate()
        await asyncio.wait_for(dump.wait(), 15)


async def test_oscsend_replyport_holds_for_the_next_oscsend(tmp_path: Path) -> None:
    # every oscsend run has a new source port: the reply port belongs to the sending host
    async with rig_with(tmp_path) as rig:
        listener = await rig.udp()
        await oscsend(rig.port, "/showctl/replyport", "i", str(listener.port))
        assert (await listener.next())[1]["data"] == {"replyport": listener.port}
        await oscsend(rig.port, "/showctl/schedule/hold")
        assert await listener.next() == ("/showctl/reply/showctl/schedule/hold", {
            "address": "/showctl/schedule/hold", "status": "ok", "data": {"held": True}})


async def test_oscsend_subscribing_three_times_is_one_subscription(tmp_path: Path) -> None:
    # QA's report: three `oscsend ... /showctl/subscribe i 1` sent every event three times
    async with rig_with(tmp_path) as rig:
        listener = await rig.udp()
        await oscsend(rig.port, "/showctl/replyport", "i", str(listener.port))
        for _ in range(3):
            await oscsend(rig.port, "/showctl/subscribe", "i", "1")
        other = await rig.udp("127.0.0.2")
        await other.ask("/showctl/load", "small")
        await oscsend(rig.port, "/showctl/status")
        got = [(await listener.next())[0] for _ in range(6)]
        assert got == ["/showctl/reply/showctl/replyport",
                       *["/showctl/reply/showctl/subscribe"] * 3,
                       "/showctl/event/state", "/showctl/reply/showctl/status"]

        await oscsend(rig.port, "/showctl/subscribe", "i", "0")
        assert (await listener.next())[1]["data"] == {"subscribed": False}
        await other.ask("/showctl/stop")
        await oscsend(rig.port, "/showctl/status")
        assert (await listener.next())[0] == "/showctl/reply/showctl/status"  # no event


async def test_oscsend_extra_arguments_are_refused(tmp_path: Path) -> None:
    # oscsend sends only what its type string declares (`s small s x` is one string);
    # when it does declare one too many, the command is refused, not half run
    async with rig_with(tmp_path) as rig:
        listener = await rig.udp()
        await oscsend(rig.port, "/showctl/replyport", "i", str(listener.port))
        await listener.next()
        await oscsend(rig.port, "/showctl/load", "ss", "small", "extra")
        await oscsend(rig.port, "/showctl/stop", "ff", "1", "2")
        await oscsend(rig.port, "/showctl/subscribe", "i", "2")
        expected = {"/showctl/load": "/showctl/load takes s show, got 2 arguments",
                    "/showctl/stop": "/showctl/stop takes [f fade], got 2 arguments",
                    "/showctl/subscribe": "argument 1 (on) must be 1 or 0"}
        for address, text in expected.items():
            got, body = await listener.next()
            assert got == f"/showctl/reply{address}" and body["status"] == "error", body
            assert text in body["data"]
        assert rig.controller.state == "idle" and not rig.server.clients.subscribers
        assert rig.counter("osc.bad_args") == 3


class Dump:
    """liblo's `oscdump` on a free port: what an integrator's tool prints of our replies."""

    def __init__(self, port: int, proc: asyncio.subprocess.Process) -> None:
        self.port, self.proc = port, proc

    @classmethod
    async def open(cls) -> Dump:
        port = free_port()
        proc = await asyncio.create_subprocess_exec("oscdump", "-L", str(port),
                                                    stdout=asyncio.subprocess.PIPE)
        dump = cls(port, proc)
        async def probe() -> None:  # oscdump gives no sign of being ready: ask until it answers
            while True:
                await oscsend(port, "/probe")
                await asyncio.sleep(0.05)
        prober = asyncio.ensure_future(probe())
        try:
            await dump.line_with("/probe")
        finally:
            prober.cancel()
        return dump

    async def line_with(self, text: str) -> str:
        assert self.proc.stdout is not None
        async with asyncio.timeout(5):
            while True:
                line = (await self.proc.stdout.readline()).decode()
                assert line, "oscdump ended"
                if text in line:
                    return line

    async def reply(self, address: str) -> dict:
        """The JSON of the next reply to `address`, as oscdump printed it."""
        line = await self.line_with(f"/showctl/reply{address} s ")
        return json.loads(line.split(" s ", 1)[1].strip()[1:-1])  # oscdump adds quotes

    async def close(self) -> None:
        if self.proc.returncode is None:
            self.proc.terminate()
        await asyncio.wait_for(self.proc.wait(), 15)


async def test_oscsend_replyport_before_connect_shows_the_not_connected_error(
        tmp_path: Path) -> None:
    async with rig_with(tmp_path, osc={"allow": ["127.0.0.0/8"], "passcode": "sesame"}) as rig:
        dump = await Dump.open()
        try:
            await oscsend(rig.port, "/showctl/replyport", "i", str(dump.port))
            assert (await dump.reply("/showctl/replyport"))["data"] == {"replyport": dump.port}
            await oscsend(rig.port, "/showctl/go")
            reply = await dump.reply("/showctl/go")
            assert reply["status"] == "error" and "not connected" in reply["data"]
            await oscsend(rig.port, "/showctl/connect", "s", "sesame")
            assert (await dump.reply("/showctl/connect"))["data"] == "connected"
        finally:
            await dump.close()


async def test_oscsend_seek_says_where_it_went_and_refuses_an_ambiguous_string(
        tmp_path: Path) -> None:
    async with rig_with(tmp_path) as rig:
        dump = await Dump.open()
        try:
            await oscsend(rig.port, "/showctl/replyport", "i", str(dump.port))
            await dump.reply("/showctl/replyport")
            await oscsend(rig.port, "/showctl/load", "s", "small")
            await oscsend(rig.port, "/showctl/seek", "s", "cue:3")
            assert (await dump.reply("/showctl/seek"))["data"] == {
                "state": "loaded", "time": 2.0, "cue": {"id": "3", "name": "Front", "at": 2.0}}
            await oscsend(rig.port, "/showctl/seek", "f", "1.25")
            assert (await dump.reply("/showctl/seek"))["data"] == {
                "state": "loaded", "time": 1.25,
                "cue": {"id": "2", "name": "Panorama", "at": 1.0}}
            await oscsend(rig.port, "/showctl/seek", "s", "3")  # cue 3 (at 2 s), or 3 s?
            reply = await dump.reply("/showctl/seek")
            assert reply["status"] == "error" and "'3' is ambiguous" in reply["data"]
            assert 'Send "cue:3" or "time:3"' in reply["data"]
            assert rig.controller.status()["time"] == 1.25  # nothing moved
            await oscsend(rig.port, "/showctl/seek", "s", "time:3")
            assert (await dump.reply("/showctl/seek"))["data"]["time"] == 3.0
        finally:
            await dump.close()


async def test_oscdump_gets_the_position_push_at_five_a_second(tmp_path: Path) -> None:
    async with rig_with(tmp_path) as rig:
        dump = await Dump.open()
        try:
            await oscsend(rig.port, "/showctl/replyport", "i", str(dump.port))
            await oscsend(rig.port, "/showctl/subscribe/time", "i", "1")
            assert (await dump.reply("/showctl/subscribe/time"))["data"] == {
                "subscribed": True, "rate": 5.0}
            first = await dump.line_with("/showctl/event/time")
            assert first.split("/showctl/event/time ")[1].split() == [
                "ffssss", "0.000000", "-1.000000", '"idle"', '""', '""', '""']
            rig.controller.start("small", by="test")
            await rig.clock.advance(0.5)  # the preroll: t=0 now
            for _ in range(5):  # one second of show time, a push every 0.2 s
                await rig.clock.advance(0.2)
            lines: list[list[str]] = []
            while not lines or float(lines[-1][1]) < 0.85:  # pushes at t = 0.1, 0.3 ... 0.9
                line = await dump.line_with("/showctl/event/time")
                lines.append(line.split("/showctl/event/time ")[1].split())
            running = [float(line[1]) for line in lines if line[3] == '"running"']
            assert running[-4:] == pytest.approx([0.3, 0.5, 0.7, 0.9], abs=0.01)
            assert lines[-1][3:6] == ['"running"', '"small"', '"1"']  # cue 2 is at 1 s
            assert float(lines[-1][2]) == pytest.approx(2.6, abs=0.01)  # remaining
            await oscsend(rig.port, "/showctl/subscribe/time", "i", "0")
            await dump.reply("/showctl/subscribe/time")
            await rig.clock.advance(0.5)
            await oscsend(rig.port, "/showctl/status")
            await dump.reply("/showctl/status")
            assert rig.server._time_push is None or rig.server._time_push.done() \
                or not rig.server.clients.live_subscribers("time")
        finally:
            await dump.close()
