"""Both TCP framings, fed as a stream arrives: in pieces, several packets at once."""

import pytest

from showctl.codec.framing import FRAMINGS, decoder, frame
from showctl.codec.osc import encode_message


@pytest.mark.parametrize("framing", FRAMINGS)
def test_packets_come_out_whole_however_the_stream_is_cut(framing):
    packets = [encode_message("/a", 1), encode_message("/b", "\xc0\xdb text"), b"\xc0" * 9]
    stream = b"".join(frame(p, framing) for p in packets)
    for cut in (1, 3, 7, len(stream)):
        frames, got = decoder(framing, 1024), []
        for start in range(0, len(stream), cut):
            found, errors = frames.feed(stream[start:start + cut])
            assert errors == []
            got += found
        assert got == packets and not frames.broken


def test_a_length_over_the_limit_breaks_the_stream_for_good():
    frames = decoder("length", 16)
    found, errors = frames.feed(frame(b"x" * 8, "length") + frame(b"y" * 17, "length"))
    assert (found, errors, frames.broken) == ([b"x" * 8], ["oversized"], True)
    assert frames.feed(frame(b"z", "length")) == ([], [])  # nothing more is read from it
