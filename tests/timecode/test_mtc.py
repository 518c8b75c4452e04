"""MTC out on the injected clock, its bytes parsed by mido (an independent MIDI parser):
a full frame at each relocation, quarter frames at each quarter of the show clock's
frames whose cycles carry the frame their piece 0 began on; nothing while stopped."""

from __future__ import annotations

import mido

from showctl.core.clock import FakeClock
from showctl.core.dispatch import Dispatcher
from showctl.core.tcout import TimecodeOut
from showctl.model import Show, Venue
from showctl.outputs.sender import UdpSender

RATE_OF = {0: 24, 1: 25, 2: 29.97, 3: 30}


def rig(fps=25, start="10:00:00:00"):
    clock = FakeClock()
    venue = Venue.model_validate({"venue": "v", "timecode": {"outputs": [
        {"kind": "mtc", "port": "showctl MTC", "fps": fps}]}})
    got: list[tuple[float, bytes]] = []
    opened: list[str] = []

    def midi(name):
        opened.append(name)
        return lambda data: got.append((clock.monotonic(), data))
    out = TimecodeOut(venue, Dispatcher(clock, UdpSender()), clock, midi=midi)
    out.load(Show.model_validate({"id": "s", "timecode": {"start": start},
                                  "cues": [{"id": "1", "at": 0}]}))
    assert opened == ["showctl MTC"]
    return clock, out, got


def parse(got):
    """(instant, mido message) for each message, through mido's byte parser."""
    parser, out = mido.Parser(), []
    for at, data in got:
        parser.feed(data)
        out += [(at, m) for m in parser]
    return out


def full(msg) -> str | None:
    if msg.type != "sysex" or msg.data[:4] != (0x7F, 0x7F, 0x01, 0x01):
        return None
    hh, mm, ss, ff = msg.data[4:8]
    return f"{hh & 0x1F:02d}:{mm:02d}:{ss:02d}:{ff:02d}/{RATE_OF[hh >> 5]}"


def cycles(messages):
    """(instant of piece 0, label, rate) of each complete cycle of eight pieces."""
    out, pieces, began = [], {}, None
    for at, msg in messages:
        if msg.type != "quarter_frame":
            pieces, began = {}, None
            continue
        if msg.frame_type == 0:
            pieces, began = {}, at
        pieces[msg.frame_type] = msg.frame_value
        if began is not None and len(pieces) == 8:
            p = pieces
            label = (f"{p[6] | (p[7] & 1) << 4:02d}:{p[4] | p[5] << 4:02d}:"
                     f"{p[2] | p[3] << 4:02d}:{p[0] | p[1] << 4:02d}")
            out.append((began, label, RATE_OF[p[7] >> 1]))
            pieces, began = {}, None
    return out


async def test_a_run_is_located_by_a_full_frame_then_quarter_frames_on_the_show_clock():
    clock, out, got = rig()
    t0 = clock.monotonic() + 0.5
    out.run(t0, 0.0)
    await clock.advance(0.5 + 1.0)
    messages = parse(got)
    assert full(messages[0][1]) == "10:00:00:00/25", "the locate, before t=0"
    assert messages[0][0] == t0 - 0.5 and len([m for _, m in messages if full(m)]) == 1
    quarters = [(at, m) for at, m in messages if m.type == "quarter_frame"]
    assert quarters[0][1].frame_type == 0, "from t=0: piece 0 of the first cycle"
    assert len(quarters) == 101  # 1 s at 25 fps, four a frame, both ends
    assert all(abs(at - (t0 + n * 0.01)) < 1e-9 for n, (at, _) in enumerate(quarters))
    found = cycles(messages)
    assert len(found) >= 11
    for began, label, rate in found:
        frame = round((began - t0) * 25)
        assert frame % 2 == 0 and rate == 25
        assert label == f"10:00:{frame // 25:02d}:{frame % 25:02d}"


async def test_stopping_sends_one_full_frame_and_a_seek_relocates():
    clock, out, got = rig(fps=30, start="01:00:00:00")
    t0 = clock.monotonic()
    out.run(t0, 0.0)
    await clock.advance(2.0)
    out.freeze(2.0)
    got.clear()
    await clock.advance(1.0)
    assert [full(m) for _, m in parse(got)] == ["01:00:02:00/30"], "one locate, then quiet"
    got.clear()
    out.run(clock.monotonic(), 10.5)  # a seek while running: 10.5 s = frame 315
    await clock.advance(0.2)
    messages = parse(got)
    assert full(messages[0][1]) == "01:00:10:15/30"
    assert cycles(messages)[0][1] == "01:00:10:16"  # the first even frame after


async def test_drop_frame_cycles_carry_drop_frame_labels():
    clock, out, got = rig(fps=29.97, start="00:00:59;20")
    t0 = clock.monotonic()
    out.run(t0, 0.0)
    await clock.advance(1.0)
    labels = [label for _, label, rate in cycles(parse(got)) if rate == 29.97]
    assert "00:01:00:02" in labels and not any(x in labels for x in ("00:01:00:00",
                                                                     "00:01:00:01"))
