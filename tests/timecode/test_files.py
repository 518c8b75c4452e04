"""The venue's `timecode:` and a show's `timecode.start`, validated at `path:line:col`."""

from __future__ import annotations

import pytest

from showctl import smpte
from showctl.files.timecode_checks import MIDI_DEVICE
from tests.files.helpers import errors

VENUE = """\
venue: room
devices:
  - {id: sound, kind: audio, port: 9120}
timecode:
  outputs:
%s
"""
SHOW = "id: s\ntimecode: {start: %s}\ncues:\n  - {id: '1', at: 0, hold: true}\n"


def test_outputs_need_what_their_kind_needs(tmp_path):
    found = errors(tmp_path, venue=VENUE % "\n".join([
        "    - {kind: artnet, fps: 25}",
        "    - {kind: artnet, host: 10.0.0.255, fps: 23.976}",
        "    - {kind: ltc, device: sound}",
    ]))
    assert found[0].startswith("venue.yaml:6:7: ") and "needs `host`" in found[0]
    assert found[1] == ("venue.yaml:7:45: fps: 23.976 is not a timecode frame rate (24, 25, "
                        "29.97 drop-frame, 30)")
    assert found[2].startswith("venue.yaml:8:7: ") and "needs `device`" in found[2]
    assert len(found) == 3


@pytest.mark.skipif(MIDI_DEVICE.exists(), reason="this system has MIDI")
def test_ltc_names_an_audio_device_and_mtc_needs_midi(tmp_path):
    found = errors(tmp_path, venue=VENUE % "\n".join([
        "    - {kind: ltc, device: screenX, channel: 8}",
        "    - {kind: mtc, port: showctl MTC}",
    ]))
    assert found[0] == ("venue.yaml:6:27: ltc output: 'screenX' is not an audio device of "
                        "the venue (audio devices: sound)")
    assert found[1].startswith("venue.yaml:7:14: this system has no MIDI (/dev/snd/seq is "
                               "missing")  # this machine (and CI's container) has no MIDI
    assert len(found) == 2


def test_a_start_label_must_exist_at_the_venues_rate(tmp_path):
    venue = VENUE % "    - {kind: artnet, host: 127.0.0.1, fps: 25}"
    assert errors(tmp_path, venue=venue, show=SHOW % '"10:00:00:27"') == [
        "show.yaml:2:19: start 10:00:00:27: frame 27 does not exist at 25 fps (frames 0-24)"]
    assert errors(tmp_path / "b", venue=venue, show=SHOW % '"10:61:00:00"')[0].startswith(
        "show.yaml:2:19: start: ")
    df = VENUE % "    - {kind: artnet, host: 127.0.0.1, fps: 29.97}"
    assert errors(tmp_path / "c", venue=df, show=SHOW % '"00:01:00;01"') == [
        "show.yaml:2:19: start 00:01:00;01: 00:01:00;01 is dropped at 29.97 drop-frame "
        "(minute 1)"]
    assert errors(tmp_path / "d", venue=df, show=SHOW % '"00:10:00;00"') == []


def test_drop_frame_labels_and_counts_round_trip_over_a_whole_day():
    rate = smpte.rate(29.97)
    assert rate.per_day == 2589408  # 24 h of 29.97 drop-frame (107892 frames an hour)
    for count in range(0, rate.per_day, 997):
        label = smpte.to_label(count, rate)
        assert smpte.to_frames(label, rate) == count
        assert smpte.check_label(label, rate) is None
    assert smpte.to_label(1800, rate) == (0, 1, 0, 2)
    assert smpte.to_label(smpte.frame_at(600.0, rate), rate) == (0, 10, 0, 0)


def test_an_ltc_input_names_its_stream_and_mtc_is_not_chased_yet(tmp_path):
    base = VENUE % "    - {kind: artnet, host: 127.0.0.1}"
    assert errors(tmp_path, venue=base + "  input: {kind: ltc, port: 6455, channels: 2, "
                  "channel: 2, sample_rate: 44100}\n") == []
    assert errors(tmp_path / "a", venue=base + "  input: {kind: ltc}\n") == [
        "venue.yaml:7:10: input: an ltc input needs `port`: the UDP port its PCM stream "
        "(s16le) arrives on (docs/timecode.md)"]
    assert errors(tmp_path / "b", venue=base + "  input: {kind: ltc, port: 6455, "
                  "channels: 2, channel: 3}\n") == [
        "venue.yaml:7:10: input: channel 3 is not one of the stream's 2 channel(s)"]
    assert errors(tmp_path / "c", venue=base + "  input: {kind: ltc, port: 6455, "
                  "sample_rate: 1000}\n") == [
        "venue.yaml:7:47: sample_rate: must be at least 8000, got 1000"]
    if not MIDI_DEVICE.exists():
        return  # without MIDI an mtc input is refused for that (test above's kind)
    assert errors(tmp_path / "d", venue=base + "  input: {kind: mtc}\n") == [
        "venue.yaml:7:17: chasing mtc timecode is not supported yet: use kind: artnet or ltc"]
