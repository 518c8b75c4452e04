"""The replication link's messages: signed, and each admitted once, in order."""

import pytest

from showctl.standby.wire import Guard, Message, WireError, decode, encode, read_key

KEY = b"k" * 32
NOW = 1_800_000_000.0


def message(seq=1, sent=NOW, boot="b1", sender="ctl-a", **kw):
    return Message(sender, boot, seq, sent, kw.get("epoch", 3), kw.get("role", "active"),
                   kw.get("kind", "state"), kw.get("body", {"show": "x"}))


def test_a_message_round_trips():
    sent = message(body={"show": "ring", "t0_wall": NOW - 3.25})
    assert decode(KEY, encode(KEY, sent)) == sent


@pytest.mark.parametrize("damage", [
    lambda d: d[:-1] + bytes([d[-1] ^ 1]),      # the tag
    lambda d: d[:10] + b"X" + d[11:],           # the body
    lambda d: d[:-32],                          # no tag
    lambda d: b"XXXX" + d[4:],                  # not ours
])
def test_an_altered_message_is_refused(damage):
    with pytest.raises(WireError) as caught:
        decode(KEY, damage(encode(KEY, message())))
    assert caught.value.reason in ("signature", "malformed")


def test_another_key_is_refused():
    with pytest.raises(WireError, match="signature"):
        decode(b"other" * 8, encode(KEY, message()))


def test_a_replay_is_refused_and_order_is_kept():
    guard = Guard("ctl-a")
    guard.admit(message(seq=5), NOW)
    for old in (message(seq=5), message(seq=4)):
        with pytest.raises(WireError, match="replay"):
            guard.admit(old, NOW + 0.1)
    guard.admit(message(seq=6, sent=NOW + 0.1), NOW + 0.1)
    # a restarted sender (new boot) is newer by its wall time; an older boot is a replay
    guard.admit(message(seq=1, boot="b2", sent=NOW + 0.2), NOW + 0.2)
    with pytest.raises(WireError, match="replay"):
        guard.admit(message(seq=7, boot="b1", sent=NOW + 0.15), NOW + 0.3)


def test_stale_or_foreign_messages_are_refused():
    guard = Guard("ctl-a")
    with pytest.raises(WireError, match="stale"):
        guard.admit(message(sent=NOW - 30), NOW)
    with pytest.raises(WireError, match="sender"):
        guard.admit(message(sender="ctl-x"), NOW)


def test_a_short_key_is_refused(tmp_path):
    (tmp_path / "k").write_bytes(b"short\n")
    with pytest.raises(ValueError, match="at least 16"):
        read_key(tmp_path / "k")
