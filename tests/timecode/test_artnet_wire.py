"""Art-Net timecode on the wire, read by Wireshark's `artnet` dissector from a capture:
OpCode 0x9700 at each frame boundary of the show clock (real clock), consecutive labels.

tshark 4.0's dissector names ArtTimeCode but leaves its seven bytes after ProtVer as
"excess bytes": those are read with the specification's layout (tests/timecode/artnet_rx.py)."""

from __future__ import annotations

import asyncio

from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from tests.support import free_port, write_config
from tests.timecode.artnet_rx import read
from tests.timecode.capture import capturing, fields, needs_tshark

SHOW = {"id": "tc", "preroll": 0.2, "timecode": {"start": "10:00:00:00"}, "cues": [
    {"id": "1", "at": 0, "name": "Open", "lights": {"cue": "1", "fade": 0}},
    {"id": "2", "at": 1.5, "name": "End", "lights": {"cue": "2", "fade": 0}},
]}


HEADER = b"Art-Net\x00\x00\x97\x00\x0e"
"""What tshark decoded as ID, OpCode and ProtVer (checked above): the bytes before its
excess, for the layout reader."""


@needs_tshark
async def test_arttimecode_packets_leave_on_the_show_clock_frame_boundaries(tmp_path):
    port = free_port()
    venue = write_config(tmp_path, shows=[SHOW], screens=1, venue_extra={"timecode": {
        "outputs": [{"kind": "artnet", "host": "127.0.0.1", "port": port, "fps": 25}]}})
    controller = Controller(load_config(venue), SystemClock())
    loop = asyncio.get_running_loop()
    pcap = tmp_path / "tc.pcap"
    try:
        async with capturing(pcap, port):
            ended = loop.create_future()
            controller.bus.subscribe(lambda e: e.kind == "run" and e.data["event"] == "end"
                                     and not ended.done() and ended.set_result(None))
            controller.start("tc", by="test")
            engine = controller.engine
            t0, anchor = engine._t0, engine.anchor
            await asyncio.wait_for(ended, 10)
    finally:
        await controller.close()
    rows = await fields(pcap, f"udp.port=={port},artnet",
                        ["frame.time_epoch", "artnet.header.opcode", "artnet.excess_bytes"])
    assert rows and {r["artnet.header.opcode"] for r in rows} == {"0x9700"}
    codes = [(float(r["frame.time_epoch"]),
              read(HEADER + bytes.fromhex(r["artnet.excess_bytes"]))[0]) for r in rows]
    moving = [(at, label) for at, label in codes if label != "10:00:00:00"]
    labels = [label for _, label in moving]
    want = [f"10:00:{s:02d}:{f:02d}" for s in (0, 1) for f in range(25)][1:len(labels) + 1]
    assert labels == want, "one packet per frame, consecutive, from the start label"
    assert len(labels) >= 36, "1.5 s of show at 25 fps"
    errors = []
    for n, (at, _) in enumerate(moving, start=1):
        due = anchor.timetag(t0 + n / 25).wall
        errors.append(at - due)
    assert min(errors) > -0.0005, "never ahead of the frame boundary"
    # each packet on its own frame's boundary: late by less than a quarter frame at the
    # median even on a busy shared machine (load 5-13 on 2 cores here: a third were 1-12 ms
    # late); the jitter figure that counts is bench/timecode.py's, under SCHED_FIFO
    assert sorted(errors)[len(errors) // 2] < 0.010, [round(e * 1e3, 2) for e in errors]
