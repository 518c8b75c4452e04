"""LTC out: the show's LTC encoded by libltc (ctypes), put on the channel the venue
names of a multichannel track, played by mpv (the sound player's renderer) to a file
(`--ao=pcm`), then read back by libltc's own decoder: every label in order from the
show's start, each frame's first sample within ±0.1 frame of the show clock's frame
boundary (frame k at k * 48000 / fps samples after the track's start)."""

from __future__ import annotations

import shutil
import subprocess
import wave

import pytest
import yaml

from showctl import smpte
from showctl.cli import main
from showctl.outputs.ltc import render, wav
from tests.support import write_config
from tests.timecode.ltc_decode import decode

needs = pytest.mark.skipif(shutil.which("mpv") is None, reason="needs mpv")


def channel_of(path, channel: int, channels: int = 8) -> tuple[bytes, int]:
    """One channel of mpv's raw s16 output (`--ao-pcm-waveheader=no`: its header is
    WAVE_FORMAT_EXTENSIBLE, which Python's wave cannot read) as unsigned 8-bit samples."""
    data = path.read_bytes()
    rate = 48000
    step = channels * 2
    out = bytes(((int.from_bytes(data[i:i + 2], "little", signed=True) >> 8) + 128) & 0xFF
                for i in range((channel - 1) * 2, len(data), step))
    return out, rate


@needs
@pytest.mark.parametrize(("fps", "start"), [(25, (10, 0, 0, 0)), (24, (1, 0, 0, 0)),
                                            (30, (0, 59, 59, 0)), (29.97, (0, 0, 59, 20))])
def test_ltc_on_channel_8_through_mpv_keeps_the_show_clocks_frame_boundaries(
        tmp_path, fps, start):
    rate = smpte.rate(fps)
    track = tmp_path / "ltc.wav"
    track.write_bytes(wav(render(start, rate, 2.0), channel=8, channels=8))
    out = tmp_path / "rendered.wav"
    subprocess.run(["mpv", "--no-config", "--no-video", "--really-quiet", "--ao=pcm",
                    f"--ao-pcm-file={out}", "--audio-format=s16", "--audio-channels=7.1",
                    "--audio-samplerate=48000", "--ao-pcm-waveheader=no", str(track)],
                   check=True, timeout=60)
    samples, sample_rate = channel_of(out, 8)
    assert sample_rate == 48000
    frames = decode(samples, rate.fps)
    assert len(frames) >= int(2 * rate.fps) - 2
    base = smpte.to_frames(start, rate)
    spf = sample_rate / rate.fps
    for k, (label, first) in enumerate(frames):
        want = smpte.to_label(base + k, rate)
        assert label == smpte.format_label(want), (k, label)
        assert abs(first - k * spf) <= 0.1 * spf, (k, first, k * spf)
    for other in (1, 7):
        assert not decode(channel_of(out, other)[0], rate.fps), "LTC on channel 8 only"


def test_showctl_ltc_writes_the_shows_track_on_the_venues_channel(tmp_path):

    show = {"id": "s", "timecode": {"start": "10:00:00:00"}, "duration": 1.0,
            "cues": [{"id": "1", "at": 0, "hold": True}]}
    venue = write_config(tmp_path, shows=[show], screens=1)
    data = yaml.safe_load(venue.read_text())
    data["devices"].append({"id": "sound", "kind": "audio", "port": 9120})
    data["timecode"] = {"outputs": [{"kind": "ltc", "device": "sound", "channel": 3}]}
    venue.write_text(yaml.safe_dump(data))
    out = tmp_path / "ltc.wav"
    assert main(["ltc", "--config", str(venue), "s", "--out", str(out)]) == 0
    with wave.open(str(out)) as w:
        assert (w.getnchannels(), w.getframerate(), w.getnframes()) == (3, 48000, 48000)
        raw = w.readframes(w.getnframes())
    samples = bytes(((int.from_bytes(raw[i:i + 2], "little", signed=True) >> 8) + 128) & 0xFF
                    for i in range(4, len(raw), 6))
    frames = decode(samples, 25)
    assert frames[0] == ("10:00:00:00", 0) and frames[10][0] == "10:00:00:10"
