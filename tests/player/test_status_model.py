"""The status JSON both ends share (showctl.model.player_status)."""

import json

import pytest

from showctl.model.player_status import PlayerStatus


def test_round_trip_keeps_every_field():
    status = PlayerStatus(device="screen1", state="playing", media="a.mp4", position=1.5,
                          sync_error_ms=-0.4, clock_offset_ms=0.2, dropped_frames=3,
                          missing=("b.mp4",), kind="screen")
    assert PlayerStatus.from_json(status.to_json()) == status


def test_unknown_keys_are_ignored_and_missing_ones_default():
    text = json.dumps({"device": "sound", "state": "idle", "kind": "audio", "future": 1})
    status = PlayerStatus.from_json(text)
    assert status.kind == "audio" and status.sync_error_ms is None and status.missing == ()


@pytest.mark.parametrize("text, says", [
    ("{not json", "not JSON"),
    (json.dumps({"device": "s1", "state": "dancing"}), "state"),
    (json.dumps({"state": "idle"}), "device"),
    (json.dumps([1, 2]), "status"),
])
def test_bad_status_is_one_clear_error(text, says):
    with pytest.raises(ValueError, match=says):
        PlayerStatus.from_json(text)


def test_more_than_a_frame_off_is_flagged():
    assert PlayerStatus(device="s1", state="playing", sync_error_ms=41).off()
    assert not PlayerStatus(device="s1", state="playing", sync_error_ms=-39).off()
    assert not PlayerStatus(device="s1", state="idle").off()
