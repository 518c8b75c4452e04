"""SLIP framing and the packet decoder at the byte level."""

from __future__ import annotations

import random
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from showctl.codec import slip
from showctl.codec.osc import PacketError, decode, encode_bundle, encode_message


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
    outer = encode_bundle(None, [encode_message("/out"), inner])
    got = decode(outer)
    assert [(m.address, m.args) for m in got] == [("/out", ()), ("/in", (1,))]
    assert got[0].timetag is None and got[1].timetag == pytest.approx(2_000_000_000.5)


def test_truncated_and_alien_bundle_elements_are_refused() -> None:
    good = encode_bundle(None, [encode_message("/a", 1), encode_message("/b")])
    assert len(decode(good)) == 2
    with pytest.raises(PacketError, match="truncated"):
        decode(good[:-4])  # the last element's declared size runs past the end
    with pytest.raises(PacketError, match="neither"):
        decode(encode_bundle(None, [b"xyz\0"]))
    deep = encode_message("/deep")
    for _ in range(10):
        deep = encode_bundle(None, [deep])
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


MALFORMED = [  # (packet, what the error says), as an integrator reads it
    (b"/a\0\0,X\0\0", "type tag 'X' is not an OSC 1.0/1.1 type"),
    (b"/a\0\0,iX\0\0\0\0\0\1", "type tag 'X' is not an OSC 1.0/1.1 type"),
    (b"/a\0\0,\x01\0\0", "type tag '\\x01' is not an OSC 1.0/1.1 type"),
    (b"/a\0\0,b\0\0\xff\xff\xff\xff", "blob of 4294967295 bytes runs past the end of the packet"),
    (b"/a\0\0,b\0\0\0\0\0\x08abcd", "blob of 8 bytes runs past the end of the packet"),
    (b"/a\0\0,ss\0x\0\0\0\xff\xfe\0\0", "string argument 2 is not valid UTF-8"),
    (b"/\xff\0\0", "the address is not valid UTF-8"),
    (b"/a\0\0,s\0\0abcd", "string argument 1 has no terminating zero byte"),
    (b"/a\0\0,iii", "the type tag string has no terminating zero byte"),
    (b"/a\0\0,i\0\0\0\0", "int argument 1 runs past the end of the packet"),
    (b"/a\0\0,d\0\0\0\0\0\0", "double argument 1 runs past the end of the packet"),
    (b"/a\0\0,i\0\0\0\0\0\1\0\0\0\0", "4 byte(s) after the last argument"),
    (b"/a\0\0i\0\0\0\0\0\0\1", "type tags after the address /a do not start with ','"),
    (b"/a\0\0,[i\0\0\0\0\0\1", "'[' opens an array that is never closed"),
    (b"/a\0\0,]\0\0", "']' closes an array that was never opened"),
    (b"#bundle\0", "truncated bundle: no timetag"),
    (b"hello", "neither an OSC message (starting with '/') nor a bundle"),
]


@pytest.mark.parametrize(("packet", "expected"), MALFORMED)
def test_malformed_packets_say_what_is_wrong(packet: bytes, expected: str) -> None:
    with pytest.raises(PacketError) as caught:
        decode(packet)
    assert str(caught.value).startswith("malformed packet: ")
    assert expected in str(caught.value)
    assert "parse" not in str(caught.value).lower()  # no library internals


def test_a_bad_message_in_a_bundle_is_named_by_its_place() -> None:
    bundle = encode_bundle(None, [encode_message("/ok"), b"/a\0\0,X\0\0"])
    with pytest.raises(PacketError, match=r"bundle element at byte 28: type tag 'X'"):
        decode(bundle)


def test_every_osc_1_0_and_1_1_type_is_read() -> None:
    packet = (b"/all\0\0\0\0,ifsbhdtcrmSTFNI[if]\0\0\0\0"
              + struct.pack(">if", -7, 1.5) + b"text\0\0\0\0" + b"\0\0\0\3abc\0"
              + struct.pack(">qdQI", -(1 << 40), 2.25, 1 << 32, ord("x"))
              + b"\x11\x22\x33\x44" + b"\x00\x90\x3c\x7f" + b"sym\0"
              + struct.pack(">if", 1, 0.5))
    [message] = decode(packet)
    assert message.tags == "ifsbhdtcrmSTFNI["
    assert message.args == (-7, 1.5, "text", b"abc", -(1 << 40), 2.25, 1 << 32, "x",
                            0x11223344, b"\x00\x90\x3c\x7f", "sym", True, False, None, None,
                            (1, 0.5))


def test_a_message_without_type_tags_has_no_arguments() -> None:
    [message] = decode(b"/showctl/go\0")  # OSC 1.0: old senders may omit them
    assert (message.address, message.args) == ("/showctl/go", ())


ENCODED = [  # every type the encoder writes, as python-osc's builders write it
    ("/showctl/player/play", ("normandy/opening_1.mp4", 12.5)),
    ("/x", (0, -1, 2**31 - 1, 2**31, -(2**40), 1.25, True, False, None, b"abcde")),
    ("/dmx/universe/1", (bytes(range(256)) * 2,)),
    ("/no/args", ()),
    ("/unicode/é", ("fünf ✓",)),
]


@pytest.mark.parametrize(("address", "args"), ENCODED)
def test_messages_are_byte_for_byte_python_oscs(address: str, args: tuple) -> None:
    from pythonosc.osc_message_builder import OscMessageBuilder

    builder = OscMessageBuilder(address=address)
    for arg in args:
        builder.add_arg(arg)
    assert encode_message(address, *args) == builder.build().dgram
    assert decode(encode_message(address, *args))[0].args == tuple(
        round(a, 6) if isinstance(a, float) else a for a in args)


def test_bundle_timetags_are_python_oscs_and_read_back() -> None:
    from pythonosc.osc_bundle import OscBundle
    from pythonosc.osc_bundle_builder import OscBundleBuilder
    from pythonosc.osc_message_builder import OscMessageBuilder

    wall = 1_780_000_000.123456
    builder = OscBundleBuilder(wall)
    builder.add_content(OscMessageBuilder(address="/a").build())
    ours = encode_bundle(wall, [encode_message("/a")])
    theirs = builder.build().dgram
    assert ours[:8] == theirs[:8] and ours[16:] == theirs[16:]
    tag_ours, tag_theirs = (int.from_bytes(b[8:16], "big") for b in (ours, theirs))
    assert abs(tag_ours - tag_theirs) <= 1  # they truncate, we round: < 1/2**32 s apart
    assert OscBundle(ours).timestamp == pytest.approx(wall, abs=1e-6)
    assert decode(ours)[0].timetag == pytest.approx(wall, abs=1e-6)
    assert decode(encode_bundle(None, [encode_message("/now")]))[0].timetag is None


def test_what_osc_cannot_carry_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="OSC cannot carry"):
        encode_message("/a", {"x": 1})  # type: ignore[arg-type]


def test_a_timetag_is_exact_where_a_float_of_unix_seconds_is_not() -> None:
    """A float near today steps by 0.24 us: instants added up as floats land off their
    plan; `Timetag` keeps the 2**-32 s of the wire (timetags from an anchor, core/clock)."""
    from fractions import Fraction

    from showctl.codec.osc import NTP_SCALE, NTP_UNIX, Timetag

    def exact(wall: Fraction) -> int:
        return round((wall + NTP_UNIX) * NTP_SCALE)

    start = Timetag.of_ns(1_800_000_000_123_456_789)
    assert start.ntp == exact(Fraction(1_800_000_000_123_456_789, 10**9))
    assert start.plus(0.1).ntp - exact(Fraction(1_800_000_000_223_456_789, 10**9)) in (0, 1)
    assert Timetag.of(1_800_000_000.5).ntp == exact(Fraction(3_600_000_001, 2))
    as_float = int.from_bytes(encode_bundle(start.wall + 0.1, [])[8:16], "big")
    assert abs(as_float - start.plus(0.1).ntp) > 100  # what a float sum loses
    assert int.from_bytes(encode_bundle(start.plus(0.1), [])[8:16], "big") == \
        start.plus(0.1).ntp
