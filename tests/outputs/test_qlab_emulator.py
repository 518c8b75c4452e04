"""The QLab emulator (showctl.sim.qlab, from QLab 5's OSC dictionary) and the `qlab`
profile at its factory transport (UDP 53000's protocol, on a free port here): through
`showctl play` the controller tells QLab its reply port, connects with the workspace's
passcode and starts the cue (a light cue QLab runs); a client without the passcode gets
nothing done; a stop with the show's fade is `/panicInTime` with that fade."""

from __future__ import annotations

import asyncio
import json
import sys

import pytest
import yaml

from showctl.codec.osc import decode, encode_message
from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.sim.qlab import QlabSim
from tests.support import write_config

pytestmark = pytest.mark.timeout(60)
SHOW = {"id": "score", "preroll": 1, "duration": 0.5, "cues": [
    {"id": "1", "at": 0, "name": "Score", "lights": {"cue": "12", "device": "qlab"}}]}


QUIET = {"id": "quiet", "preroll": 0, "duration": 30, "cues": [{"id": "1", "at": 0}]}


def venue(tmp_path, qlab: QlabSim, kind: str = "lighting", show: dict = SHOW) -> object:
    path = write_config(tmp_path, screens=1, shows=[show])
    raw = yaml.safe_load(path.read_text())
    # QLab running the light cues (its kinds include `lights`: `/cue/<number>/start`),
    # or the sound (an audio device: a stop goes to it)
    raw["devices"].append({"id": "qlab", "kind": kind, "host": "127.0.0.1",
                           "port": qlab.port, "profile": "qlab", "passcode": "4321"})
    path.write_text(yaml.safe_dump(raw))
    return path


async def test_showctl_play_connects_with_the_passcode_and_starts_the_cue(tmp_path):
    qlab = QlabSim(passcode="4321")
    await qlab.start()
    path = venue(tmp_path, qlab)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "showctl", "play", "score", "--config", str(path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 40)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await qlab.stop()
    assert proc.returncode == 0, err.decode()
    assert "start 12" in qlab.did
    assert qlab.reply_port not in (None, 53001)  # told where to answer: our socket
    assert ("/connect", {"workspace_id": "showctl-sim-workspace", "address": "/connect",
                         "status": "ok", "data": "ok"}) in qlab.replies


async def test_without_the_passcode_nothing_is_done_and_a_bad_one_is_badpass():
    qlab = QlabSim(passcode="4321")
    await qlab.start()
    loop = asyncio.get_running_loop()
    got: asyncio.Queue[bytes] = asyncio.Queue()

    class Client(asyncio.DatagramProtocol):
        def datagram_received(self, data, addr):
            got.put_nowait(data)

    transport, _ = await loop.create_datagram_endpoint(Client, local_addr=("127.0.0.1", 0))
    try:
        mine = transport.get_extra_info("sockname")[1]
        for message in (encode_message("/udpReplyPort", mine), encode_message("/go"),
                        encode_message("/connect", "0000")):
            transport.sendto(message, ("127.0.0.1", qlab.port))
        (reply,) = decode(await asyncio.wait_for(got.get(), 5))
        assert reply.address == "/reply/connect"
        assert json.loads(reply.args[0])["data"] == "badpass"
        assert qlab.did == []  # the /go before it did nothing
    finally:
        transport.close()
        await qlab.stop()


async def test_a_stop_with_the_show_s_fade_is_panic_in_time(tmp_path):
    qlab = QlabSim(passcode="4321")
    await qlab.start()
    controller = Controller(load_config(venue(tmp_path, qlab, "audio", QUIET)),
                            SystemClock())
    try:
        async with asyncio.timeout(15):
            while not any(d["id"] == "qlab" and d["online"]
                          for d in controller.status()["devices"]):
                await asyncio.sleep(0.05)  # connected: its /thump answered
        controller.start("quiet", by="test")
        controller.stop(2.0, by="test")
        async with asyncio.timeout(10):
            while "panicInTime 2" not in qlab.did:
                await asyncio.sleep(0.02)
    finally:
        await controller.close()
        await qlab.stop()
