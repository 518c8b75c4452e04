"""GET /metrics: guarded like the API, read by a real Prometheus, whose shipped rules
load in promtool and fire when a device is offline."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import urllib.request
from pathlib import Path

import pytest
import yaml

from showctl.core.clock import FakeClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.web import make_app
from tests.support import SMALL_SHOW, free_port, write_config
from tests.web.conftest import TOKENS, web_section
from tests.web.rig import open_rig

RULES = Path(__file__).parents[2] / "docs" / "monitoring" / "showctl-rules.yml"
needs_prometheus = pytest.mark.skipif(shutil.which("prometheus") is None,
                                      reason="Debian's prometheus is not installed")


def _venue(tmp_path: Path, **metrics: bool) -> Path:
    return write_config(tmp_path, shows=[SMALL_SHOW],
                        venue_extra={"web": web_section(), "metrics": metrics})


async def test_metrics_need_a_token_unless_open(tmp_path: Path, aiohttp_client) -> None:
    ctl = Controller(load_config(_venue(tmp_path / "a")), FakeClock())
    client = await aiohttp_client(make_app(ctl))
    res = await client.get("/metrics")
    assert res.status == 401
    assert "API token" in (await res.json())["error"]
    res = await client.get("/metrics", headers={"Authorization": "Bearer wrong"})
    assert res.status == 401
    res = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKENS['viewer']}"})
    assert res.status == 200
    assert res.headers["Content-Type"].startswith("text/plain")
    assert 'showctl_transport_state{state="idle"} 1.0' in await res.text()
    await ctl.close()

    ctl = Controller(load_config(_venue(tmp_path / "b", open=True)), FakeClock())
    client = await aiohttp_client(make_app(ctl))
    assert (await client.get("/metrics")).status == 200
    await ctl.close()

    ctl = Controller(load_config(_venue(tmp_path / "c", enabled=False)), FakeClock())
    client = await aiohttp_client(make_app(ctl))
    assert (await client.get("/metrics",
                             headers={"Authorization": f"Bearer {TOKENS['viewer']}"})).status \
        == 404
    await ctl.close()


async def test_a_show_is_counted(tmp_path: Path, aiohttp_client) -> None:
    clock = FakeClock()
    ctl = Controller(load_config(_venue(tmp_path, open=True)), clock)
    client = await aiohttp_client(make_app(ctl))
    ctl.heartbeat("screen3")
    ctl.start("small", by="schedule", at=clock.monotonic() + 1)
    await clock.advance(3.5)  # t0 one second from now: cues at 0, 1 and 2 s have gone
    text = await (await client.get("/metrics")).text()
    assert 'showctl_transport_state{state="running"} 1.0' in text
    assert 'showctl_device_online{device="screen3",kind="screen"} 1.0' in text
    assert 'showctl_device_online{device="screen4",kind="screen"} 0.0' in text
    assert "showctl_cue_lateness_seconds_count 3.0" in text
    assert 'showctl_scheduled_starts_total{outcome="run"} 1.0' in text
    assert 'showctl_scheduled_starts_total{outcome="missed"} 0.0' in text
    await ctl.close()


def test_shipped_rules_load_in_promtool() -> None:
    if shutil.which("promtool") is None:
        pytest.skip("promtool is not installed")
    done = subprocess.run(["promtool", "check", "rules", str(RULES)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


@needs_prometheus
async def test_prometheus_scrapes_and_fires_device_offline(tmp_path: Path) -> None:
    ghost = {"id": "proj9", "kind": "osc", "host": "127.0.0.1", "port": free_port()}
    rig = await open_rig(tmp_path / "room")  # simulated screens send heartbeats
    venue = yaml.safe_load((rig.root / "config" / "venue.yaml").read_text())
    venue["devices"].append(ghost)  # a device that never answers
    (rig.root / "config" / "venue.yaml").write_text(yaml.safe_dump(venue))
    assert await rig.controller.reload() == []
    rules = yaml.safe_load(RULES.read_text())
    for rule in rules["groups"][0]["rules"]:
        rule["for"] = "0s"  # the shipped rules wait a minute; the test cannot
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(rules))
    host, port = rig.controller.config.venue.web.listen
    prom_port = free_port(socket.SOCK_STREAM)
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump({
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(tmp_path / "rules.yml")],
        "scrape_configs": [{
            "job_name": "showctl", "static_configs": [{"targets": [f"{host}:{port}"]}],
            "authorization": {"type": "Bearer", "credentials": TOKENS["viewer"]}}],
    }))
    prom = subprocess.Popen(
        ["prometheus", f"--config.file={tmp_path / 'prometheus.yml'}",
         f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{prom_port}"],
        stdout=subprocess.DEVNULL, stderr=(tmp_path / "prometheus.log").open("w"))
    api = f"http://127.0.0.1:{prom_port}/api/v1"
    try:
        up = await _poll(f"{api}/query?query=up", lambda d: [
            r for r in d["data"]["result"] if r["value"][1] == "1"])
        assert up[0]["metric"]["job"] == "showctl"
        online = await _poll(f"{api}/query?query=showctl_device_online", lambda d: [
            r for r in d["data"]["result"] if r["metric"]["device"] == "screen1"
            and r["value"][1] == "1"])
        assert online
        firing = await _poll(f"{api}/alerts", lambda d: [
            a for a in d["data"]["alerts"] if a["labels"]["alertname"] ==
            "ShowctlDeviceOffline" and a["state"] == "firing"])
        assert [a["labels"]["device"] for a in firing] == ["proj9"]
    finally:
        prom.terminate()
        prom.wait(10)
        await rig.close()


async def _poll(url: str, found, *, within: float = 30.0):
    """Prometheus has no push to wait on: ask its API until `found` says yes (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    last = None
    while loop.time() < deadline:
        try:
            body = await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=2).read())
            last = json.loads(body)
            result = found(last)
            if result:
                return result
        except OSError:
            pass
        await asyncio.sleep(0.25)
    raise AssertionError(f"not found at {url} within {within} s; last answer {last}")


async def test_a_scrape_with_a_projector_passes_promtool_check_metrics(tmp_path: Path,
                                                                       aiohttp_client) -> None:
    """Lamp time in Prometheus base units (seconds), liveness as three states."""
    if shutil.which("promtool") is None:
        pytest.skip("promtool is not installed")
    from showctl.core.clock import SystemClock
    from showctl.sim.projector import ProjectorSim

    sim = ProjectorSim(warm_up=0, cool_down=0)
    await sim.start()
    path = _venue(tmp_path, open=True)
    raw = yaml.safe_load(path.read_text())
    raw["devices"] += [{"id": "proj1", "kind": "projector", "host": "127.0.0.1",
                        "port": sim.port, "profile": "pjlink"},
                       {"id": "wall", "kind": "osc", "host": "127.0.0.1", "port": free_port(),
                        "profile": "resolume"}]
    path.write_text(yaml.safe_dump(raw))
    ctl = Controller(load_config(path), SystemClock())
    client = await aiohttp_client(make_app(ctl))
    try:
        async with asyncio.timeout(15):
            while "projector" not in ctl.status()["devices"][-2]["said"]:
                await asyncio.sleep(0.05)  # its first PJLink poll answered
        text = await (await client.get("/metrics")).text()
    finally:
        await ctl.close()
        await sim.stop()
    done = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0 and not done.stdout.strip() and not done.stderr.strip(), \
        done.stdout + done.stderr
    assert 'showctl_projector_lamp_seconds{device="proj1",lamp="1"} 4.4424e+06' in text, \
        [line for line in text.splitlines() if "lamp" in line]
    assert "lamp_hours" not in text
    assert 'showctl_device_liveness{device="proj1",kind="projector",liveness="online"} 1.0' \
        in text
    assert 'showctl_device_liveness{device="wall",kind="osc",liveness="unknown"} 1.0' in text
    assert 'showctl_device_liveness{device="screen1",kind="screen",liveness="offline"} 1.0' \
        in text
