"""The media faces' rules: roles on the HTTP API, the agents' own tokens (a PC reaches only
its own device's files), range requests, and the self-check's media finding."""

from __future__ import annotations

from pathlib import Path

import pytest

from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.model.media import MediaReport, hash_file
from showctl.web import make_app
from tests.media.rig import make_library
from tests.support import SMALL_SHOW, write_config
from tests.web.conftest import bearer, login, web_section

pytestmark = pytest.mark.timeout(60)


def _controller(tmp_path: Path) -> Controller:
    library = tmp_path / "library"
    make_library(library, {**{f"pano_{i}.mp4": 5000 + i for i in (1, 2)}, "f.mp4": 3000})
    path = write_config(tmp_path, screens=2, shows=[SMALL_SHOW], venue_extra={
        "web": web_section(), "media": {"root": "../library"}})
    return Controller(load_config(path), SystemClock())


async def test_status_for_anyone_sync_for_admins(tmp_path: Path, aiohttp_client) -> None:
    ctl = _controller(tmp_path)
    client = await aiohttp_client(make_app(ctl))
    try:
        res = await client.get("/api/media", headers=bearer("viewer"))
        assert res.status == 200
        body = await res.json()
        assert body["library"] == str(tmp_path / "config" / ".." / "library")
        assert [(r["device"], r["needed"], r["state"], r["ready"]) for r in body["players"]] \
            == [("screen1", 2, "no agent", False), ("screen2", 2, "no agent", False)]
        assert body["ready"] is False
        one = await (await client.get("/api/media?player=screen2",
                                      headers=bearer("viewer"))).json()
        assert [r["device"] for r in one["players"]] == ["screen2"]
        assert (await client.get("/api/media?player=lights", headers=bearer("viewer"))
                ).status == 404
        operator = await login(client, "operator")
        assert (await client.post("/api/media/sync", headers=operator, json={})).status == 403
        await client.post("/logout", headers=operator)
        admin = await login(client, "admin")
        res = await client.post("/api/media/sync", headers=admin, json={"player": "screen1"})
        assert res.status == 200, await res.text()
        assert (await res.json())["requested"] == {"screen1": 1}
        res = await client.post("/api/media/sync", headers=admin, json={"now": 1})
        assert res.status == 400
    finally:
        await ctl.close()


async def test_an_agent_reaches_only_its_own_files(tmp_path: Path, aiohttp_client) -> None:
    ctl = _controller(tmp_path)
    client = await aiohttp_client(make_app(ctl))
    mine = {"Authorization": f"Bearer {ctl.media.token('screen1')}"}
    other = {"Authorization": f"Bearer {ctl.media.token('screen2')}"}
    try:
        assert (await client.get("/media/agent/screen1/manifest")).status == 401
        assert (await client.get("/media/agent/screen1/manifest", headers=other)).status == 401
        assert (await client.get("/media/agent/screen1/manifest",
                                 headers=bearer("operator"))).status == 401  # not a login
        res = await client.get("/media/agent/screen1/manifest", headers=mine)
        assert res.status == 200
        manifest = await res.json()
        library = tmp_path / "library"
        assert {f["name"]: f["hash"] for f in manifest["files"]} == {
            n: hash_file(library / n, manifest["algorithm"]) for n in ("pano_1.mp4", "f.mp4")}
        for name in ("pano_2.mp4", "../config/venue.yaml", "%2e%2e/config/venue.yaml"):
            res = await client.get(f"/media/agent/screen1/file/{name}", headers=mine)
            assert res.status == 404, name
        res = await client.get("/media/agent/screen1/file/pano_1.mp4",
                               headers={**mine, "Range": "bytes=1000-"})
        assert res.status == 206
        assert await res.read() == (library / "pano_1.mp4").read_bytes()[1000:]
        assert ctl.media.served["screen1"] == {"requests": 1, "ranges": 1,
                                               "resumed_bytes": 1000}
        report = MediaReport(device="screen2", files={"pano_2.mp4": "verified"})
        res = await client.post("/media/agent/screen1/report", headers=mine,
                                json=report.to_json())
        assert res.status == 400  # another device's report
        assert ctl.status()["counters"]["media.refused"] == 3
    finally:
        await ctl.close()


async def test_the_self_check_fails_for_a_file_not_verified(tmp_path: Path) -> None:
    ctl = _controller(tmp_path)
    try:
        ctl.set_schedule_info({"today": [{"show": "small", "status": "due"}]})
        for device in ("screen1", "screen2", "lights"):
            ctl.heartbeat(device)
        ctl.media.report(MediaReport(device="screen1", files={
            "pano_1.mp4": "verified", "f.mp4": "wrong"}))
        ctl.media.report(MediaReport(device="screen2", files={
            "pano_2.mp4": "verified", "f.mp4": "verified"}))
        result = await ctl.check(by="test")
        assert [(f.device, f.kind, f.message) for f in result.findings] == [
            ("screen1", "media", "media of today's shows not verified on the player: f.mp4 "
             "(showctl media sync)")]
        ctl.media.report(MediaReport(device="screen1", files={
            "pano_1.mp4": "verified", "f.mp4": "verified"}))
        assert (await ctl.check(by="test")).ready
    finally:
        await ctl.close()


async def test_patterns_over_http_are_for_admins_on_an_idle_room(tmp_path: Path,
                                                                  aiohttp_client) -> None:
    ctl = _controller(tmp_path)
    client = await aiohttp_client(make_app(ctl))
    try:
        operator = await login(client, "operator")
        assert (await client.post("/api/pattern", headers=operator,
                                  json={"kind": "grid"})).status == 403
        await client.post("/logout", headers=operator)
        admin = await login(client, "admin")
        res = await client.post("/api/pattern", headers=admin, json={"kind": "crosshatch"})
        assert res.status == 200 and (await res.json())["screens"] == ["screen1", "screen2"]
        res = await client.post("/api/pattern", headers=admin,
                                json={"kind": "bars", "screens": [2]})
        assert (await res.json())["screens"] == ["screen2"]
        assert (await client.post("/api/pattern", headers=admin,
                                  json={"kind": "zebra"})).status == 400
        ctl.load("small", by="test")
        res = await client.post("/api/pattern", headers=admin, json={"kind": "grid"})
        assert res.status == 409 and "idle room" in (await res.json())["error"]
    finally:
        await ctl.close()
