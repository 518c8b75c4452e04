"""The Eos emulator (showctl.sim.eos, from ETC's pages) and the `eos` profile at its
factory transport (TCP, OSC 1.0 length-prefixed) through `showctl play`: the cue fires
on the console, its ping is answered; a packet that is no OSC makes the console drop the
connection, as ETC documents (a bare "/eos/ping" string, not framed)."""

from __future__ import annotations

import asyncio
import struct
import sys

import pytest
import yaml

from showctl.codec import slip
from showctl.codec.osc import decode, encode_message
from showctl.sim.eos import EosSim
from tests.support import write_config

pytestmark = pytest.mark.timeout(60)
SHOW = {"id": "desk", "preroll": 1, "duration": 0.5, "cues": [
    {"id": "1", "at": 0, "name": "Stage", "lights": {"cue": "5"}}]}


async def test_showctl_play_fires_the_cue_on_the_console_over_its_default_tcp(tmp_path):
    eos = EosSim()
    await eos.start()
    path = write_config(tmp_path, screens=1, shows=[SHOW])
    raw = yaml.safe_load(path.read_text())
    raw["devices"] = [d for d in raw["devices"] if d["id"] != "lights"] + [
        {"id": "desk", "kind": "lighting", "host": "127.0.0.1", "port": eos.port,
         "profile": "eos"}]  # no transport: Eos's own, TCP length-prefixed
    raw["safe_look"] = {"lights": "99", "fade": 0}
    path.write_text(yaml.safe_dump(raw))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "showctl", "play", "desk", "--config", str(path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        _, err = await asyncio.wait_for(proc.communicate(), 40)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await eos.stop()
    assert proc.returncode == 0, err.decode()
    assert "1/5" in eos.fired and eos.dropped == 0
    assert eos.connections == 1


@pytest.mark.parametrize("framing", ["length", "slip"])
async def test_the_console_answers_framed_osc_and_drops_a_bare_string(framing):
    eos = EosSim(framing=framing)
    await eos.start()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", eos.port)
        ping = encode_message("/eos/ping", "x")
        writer.write(struct.pack(">I", len(ping)) + ping if framing == "length"
                     else slip.encode(ping))
        data = await asyncio.wait_for(reader.read(4096), 5)
        body = data[4:] if framing == "length" else slip.SlipDecoder(4096).feed(data)[0][0]
        assert decode(body)[0].address == "/eos/out/ping"
        # what ETC's support page shows a third-party device sending wrongly
        writer.write(b"/eos/ping" if framing == "length" else slip.encode(b"/eos/ping"))
        assert await asyncio.wait_for(reader.read(4096), 5) == b""  # closed by the console
        assert eos.dropped == 1
        writer.close()
    finally:
        await eos.stop()
