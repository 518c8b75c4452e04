"""`sound` and `volume` cues and the venue's master `volume:`: each error at its node."""

import pytest
import yaml

from showctl.files.errors import InvalidFiles
from showctl.files.loader import load_config

from .helpers import errors, venue_with

SOUND = {"id": "sound", "kind": "audio", "host": "127.0.0.1", "port": 9999}


def test_sound_and_volume_values_are_checked_where_they_are_written(tmp_path):
    assert errors(tmp_path, devices=[SOUND], show="""\
        id: s
        cues:
          - id: "1"
            at: 0
            sound: {media: "score_{screen}.wav", volume: 13, fade: -1}
          - id: "2"
            at: 1
            volume: {db: true, fade: 2}
          - id: "3"
            at: 2
            volume: {fade: 2}
          - id: "4"
            at: 3
            sound: {media: a.wav, level: -3}
        """) == [
        "show.yaml:5:20: media: a sound's media takes no placeholder: {screen} is a screen's "
        "number, and an audio device has none",
        "show.yaml:5:50: volume: must be at most 12, got 13",
        "show.yaml:5:60: fade: time -1 is negative",
        "show.yaml:8:18: db: true is not a level in dB: write a number",
        "show.yaml:11:13: volume: missing `db`",
        "show.yaml:14:27: unknown key `level` (expected one of: device, fade, from, media, "
        "volume)",
    ]


def test_sound_needs_an_audio_device_that_plays_sound(tmp_path):
    assert errors(tmp_path, show="""\
        id: s
        cues:
          - {id: "1", at: 0, sound: {media: a.wav}}
        """) == ["show.yaml:3:22: sound: the venue has no audio device (kind: audio)"]


def test_a_named_device_must_be_an_audio_device(tmp_path):
    assert errors(tmp_path, devices=[SOUND], show="""\
        id: s
        cues:
          - {id: "1", at: 0, sound: {media: a.wav, device: sond}}
          - {id: "2", at: 1, volume: {db: -80, fade: 4, device: screen1}}
        """) == [
        "show.yaml:3:52: 'sond' is not an audio device of the venue: did you mean 'sound'?",
        "show.yaml:4:57: 'screen1' is not an audio device of the venue (audio: sound)",
    ]


def test_the_master_volume_of_the_venue_is_a_level_in_range(tmp_path):
    path = venue_with(tmp_path, devices=[SOUND])
    data = yaml.safe_load(path.read_text())
    data["volume"] = -90
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(InvalidFiles) as caught:
        load_config(path)
    assert [e.message for e in caught.value.errors] == ["volume: must be at least -80, got -90"]
    data["volume"] = -6.5
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert load_config(path).venue.volume == -6.5
