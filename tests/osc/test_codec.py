"""SLIP framing and the packet decoder at the byte level."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from showctl.osc import slip
from showctl.osc.codec import PacketError, decode, encode_bundle, encode_message


def test_slip_round_trip_with_every_special_byte() -> None:
    packet = bytes([1, slip.END, 2, slip.ESC, slip.ESC_END, slip.ESC_ESC, 3])
    framed = slip.encode(packet)
    assert framed.count(bytes([slip.END])) == 2  # only the frame ends
    decoder = slip.SlipDecoder(64)
    assert decoder.feed(framed) == ([packet], [])


def test_slip_frames_split_anywhere_and_joined() -> None:
    packets = [encode_message("/a", n, "x" * n) for n in range(20)]
    stream = b"".join(slip.encode(p)[1:] for p in packets)  # without the leading END too
    rnd = random.Random(4)
    decoder = slip.SlipDecoder(1024)
    got: list[bytes] = []
    i = 0
    while i < len(stream):
        step = rnd.randint(1, 40)
        found, errors = decoder.feed(stream[i:i + step])
        assert not errors
        got += found
        i += step
    assert got == packets


def test_slip_garbage_and_oversize_are_dropped_then_resynchronised() -> None:
    decoder = slip.SlipDecoder(16)
    good = encode_message("/ok")
    bad_escape = bytes([0x41, slip.ESC, 0x42, slip.END])
    huge = b"x" * 100 + bytes([slip.END])
    packets, errors = decoder.feed(bad_escape + huge + slip.encode(good))
    assert packets == [good] and errors == ["malformed", "oversized"]
    assert len(decoder._buf) == 0


def test_decode_refuses_garbage_with_one_error_type() -> None:
    for data in [b"", b"hello", b"/", b"#bundle\0", b"/a\0\0,iii", b"/a\0\0,s\0\0\xff\xfe\0\0",
                 encode_message("/a", 1)[:-2]]:
        with pytest.raises(PacketError):
            decode(data)


def test_nested_bundles_keep_their_timetags() -> None:
    inner = encode_bundle(2_000_000_000.5, [encode_message("/in", 1)])
    outer = encode_bundle(0, [encode_message("/out"), inner])
    got = decode(outer)
    assert [(m.address, m.args) for m in got] == [("/out", ()), ("/in", (1,))]
    assert got[0].timetag is None and got[1].timetag == pytest.approx(2_000_000_000.5)


def test_truncated_and_alien_bundle_elements_are_refused() -> None:
    good = encode_bundle(0, [encode_message("/a", 1), encode_message("/b")])
    assert len(decode(good)) == 2
    with pytest.raises(PacketError, match="truncated"):
        decode(good[:-4])  # the last element's declared size runs past the end
    with pytest.raises(PacketError, match="neither"):
        decode(encode_bundle(0, [b"xyz\0"]))
    deep = encode_message("/deep")
    for _ in range(10):
        deep = encode_bundle(0, [deep])
    with pytest.raises(PacketError, match="nested"):
        decode(deep)


@given(st.lists(st.binary(min_size=1, max_size=64), max_size=12), st.data())
def test_slip_round_trip_property(packets: list[bytes], data: st.DataObject) -> None:
    stream = b"".join(slip.encode(p) for p in packets)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8)))
    decoder = slip.SlipDecoder(1024)
    got: list[bytes] = []
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        found, errors = decoder.feed(stream[start:end])
        assert not errors
        got += found
    assert got == packets
