"""The room's day from every face: OSC (liblo's oscsend/oscdump), HTTP with roles, the
command line against a running controller, and the alerts a failed check raises."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.osc import OscServer
from showctl.sim.projector import ProjectorSim
from showctl.web import make_app
from tests.core.test_realtime import oscdump
from tests.osc.clients import UdpClient
from tests.support import free_port, write_config
from tests.web.conftest import login, web_section

ADMIN = "room-admin-pass"  # osc.admin_passcode: power over OSC needs the admin role


async def _controller(tmp_path: Path, projector: ProjectorSim | None = None) -> Controller:
    path = write_config(tmp_path, screens=2, venue_extra={
        "web": web_section(), "osc": {"admin_passcode": ADMIN}})
    if projector is not None:
        import yaml
        data = yaml.safe_load(path.read_text())
        data["devices"].append({"id": "proj1", "kind": "projector", "host": "127.0.0.1",
                                "port": projector.port, "profile": "pjlink"})
        path.write_text(yaml.safe_dump(data))
    return Controller(load_config(path), SystemClock())


async def test_osc_check_replies_with_the_findings(tmp_path: Path) -> None:
    ctl = await _controller(tmp_path)
    osc = OscServer(ctl)
    await osc.start()
    client = await UdpClient.open(osc.port)
    try:
        ctl.heartbeat("screen1")
        reply = await client.ask("/showctl/check")
        assert reply["status"] == "ok"
        findings = {(f["device"], f["message"]) for f in reply["data"]["findings"]}
        assert findings == {("screen2", "not answering"), ("lights", "not answering")}
        assert reply["data"]["ready"] is False
        assert ctl.status()["check"]["findings"] == reply["data"]["findings"]
    finally:
        await osc.stop()
        await ctl.close()


needs_liblo = pytest.mark.skipif(shutil.which("oscsend") is None, reason="liblo-tools")


@needs_liblo
async def test_power_on_over_oscsend_answers_once_the_projector_is_on(tmp_path: Path) -> None:
    projector = ProjectorSim(warm_up=0.3)
    await projector.start()
    ctl = await _controller(tmp_path, projector)
    osc = OscServer(ctl)
    await osc.start()
    dump_port = free_port()
    dump = await oscdump(dump_port)
    try:
        await _run("oscsend", "127.0.0.1", str(osc.port), "/showctl/replyport", "i",
                   str(dump_port))
        await _run("oscsend", "127.0.0.1", str(osc.port), "/showctl/power/on", "s", ADMIN)
        assert dump.stdout is not None
        while True:
            line = (await asyncio.wait_for(dump.stdout.readline(), 20)).decode()
            if "/showctl/reply/showctl/power/on" in line:
                break
        body = json.loads(line.split(" s ", 1)[1].strip().strip('"'))
        assert body["status"] == "ok" and body["data"]["ok"] is True
        assert body["data"]["steps"] == [{"device": "proj1", "ok": True, "message": "on"}]
        assert projector.power == "1"
    finally:
        dump.terminate()
        await dump.wait()
        await osc.stop()
        await ctl.close()
        await projector.stop()


async def test_http_power_is_for_admins_and_check_for_operators(tmp_path: Path,
                                                                aiohttp_client) -> None:
    projector = ProjectorSim(warm_up=0.2)
    await projector.start()
    ctl = await _controller(tmp_path, projector)
    client = await aiohttp_client(make_app(ctl))
    try:
        operator = await login(client, "operator")
        res = await client.post("/api/power/on", headers=operator)
        assert res.status == 403
        res = await client.post("/api/check", headers=operator)
        assert res.status == 200
        assert (await res.json())["ready"] is False
        assert (await (await client.get("/api/check")).json())["by"] == "web:operator"
        await client.post("/logout", headers=operator)
        admin = await login(client, "admin")
        res = await client.post("/api/power/on", headers=admin)
        assert res.status == 200, await res.text()
        assert (await res.json())["steps"][0] == {"device": "proj1", "ok": True,
                                                  "message": "on"}
        assert (await (await client.get("/api/power")).json())["state"] == "on"
        res = await client.post("/api/power/off", headers=admin, json={"now": True})
        assert res.status == 400  # this request takes no fields
    finally:
        await ctl.close()
        await projector.stop()


async def test_cli_check_and_power_status(tmp_path: Path) -> None:
    projector = ProjectorSim(warm_up=0.2)
    await projector.start()
    ctl = await _controller(tmp_path, projector)
    venue = str(ctl.config.venue.source)
    try:
        done = await _run(sys.executable, "-m", "showctl", "check", "--config", venue,
                          check=False)
        assert done.returncode == 1
        assert "no controller answers at 127.0.0.1:" in done.stderr
        osc = OscServer(ctl)
        await osc.start()
        try:
            done = await _run(sys.executable, "-m", "showctl", "check", "--config", venue,
                              check=False)
        finally:
            await osc.stop()
        assert done.returncode == 1, done.stderr
        lines = done.stdout.splitlines()
        assert "screen1      not answering" in lines
        assert "proj1        projector is off" in lines
        assert lines[-1].startswith("NOT READY: ")
        done = await _run(sys.executable, "-m", "showctl", "power", "status", "--config",
                          venue, check=False)
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == ["proj1        off, lamp 1234 h"]
    finally:
        await ctl.close()
        await projector.stop()


async def _run(*argv: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE,
                                                stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    done = subprocess.CompletedProcess(argv, proc.returncode or 0, out.decode(), err.decode())
    if check:
        assert done.returncode == 0, done.stderr
    return done


async def test_a_check_is_in_the_history(tmp_path: Path) -> None:
    from showctl.history import History
    ctl = await _controller(tmp_path)
    history = History(tmp_path / "var" / "history.sqlite3", ctl.bus, ctl.clock)
    await history.start()
    try:
        ctl.heartbeat("screen1")
        await ctl.check(by="web:operator")
        rows = history.recent(10)
        assert [(r["kind"], r["by"], r["outcome"]) for r in rows] == [
            ("check", "web:operator", "not ready")]
        assert rows[0]["reason"].splitlines() == ["screen2: not answering",
                                                  "lights: not answering"]
        assert history.decided(0) == []  # the schedule's restore never sees checks
    finally:
        await history.stop()
        await ctl.close()
