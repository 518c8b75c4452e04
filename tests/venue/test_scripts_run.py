"""`scripts/run` with a venue whose devices are on other hosts (issue 18), run on the
controller's host of the room: its screens cannot be played here, so it says so in one
line and simulates them; `--simulate` serves every device of another host on 127.0.0.1
(screens, lighting, the PJLink projector) and says in one line which it cannot serve and
why; no message tells the user to drop a `--simulate` they never typed."""

from __future__ import annotations

import os
import tempfile

import pytest

from tests.venue.show import ROOT, RoomController, offline, room_venue, screens_on

pytestmark = pytest.mark.timeout(120)


async def test_scripts_run_serves_a_venue_of_other_hosts(room, tmp_path):
    show = {"id": "demo", "preroll": 0.2, "cues": [
        {"id": "1", "at": 0, "lights": {"cue": "5", "fade": 0}},
        {"id": "2", "at": 0.3, "screens": "all", "play": {"media": "a.mp4"}}]}
    devices = [*screens_on(room),
               {"id": "lights", "kind": "lighting", "host": room.address("lighting"),
                "port": 7700},
               {"id": "console", "kind": "lighting", "host": room.address("lighting"),
                "port": 8000, "profile": "eos", "transport": "udp", "feedback_port": 8001},
               {"id": "proj1", "kind": "projector", "host": room.address("projector"),
                "port": 4352, "profile": "pjlink"},
               {"id": "crestron", "kind": "osc", "host": room.address("integrator"),
                "port": 9100}]
    venue = room_venue(room, tmp_path, devices=devices, shows=[show])
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "XDG_RUNTIME_DIR": tempfile.mkdtemp(prefix="showctl-run-")}
    env = {k: v for k, v in {**os.environ, **env}.items() if k != "SHOWCTL_SIMULATE"}
    async with await RoomController.launch(
            room, venue, command=[str(ROOT / "scripts" / "run"), "--config", str(venue)],
            env=env) as ctl:
        assert ctl.said("on other hosts") and ctl.said("simulated screens here"), ctl.lines
        assert ctl.said("simulated here on 127.0.0.1")
        # what it cannot serve, one line each, and why
        note = ctl.said("crestron at 198.18.0.40:9100 is not served here")
        assert len(note) == 1 and "osc device" in note[0]
        note = ctl.said("console at 198.18.0.32:8000 is not served here")
        assert len(note) == 1 and "answers in its own protocol" in note[0]
        client = await ctl.osc_client("ctl", to="127.0.0.1")
        for device in ("screen1", "screen9", "lights", "proj1"):
            await ctl.wait_for(f"device {device} online", 15)
        status = await client.ok("/showctl/status")
        served = {f"screen{n}" for n in range(1, 10)} | {"lights", "proj1"}
        assert not served & offline(status)
        assert (await client.ok("/showctl/start", "demo")).startswith("prerolling")
        await ctl.wait_for("screen9 /showctl/player/play", 10)  # a simulated screen played
        assert not ctl.said("without --simulate") and not ctl.said("Traceback")
