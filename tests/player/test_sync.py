"""Drift filter and corrections (showctl.player.sync): pure logic, no mpv."""

from showctl.player.sync import (
    DEADBAND,
    DECIDE_EVERY,
    MAX_NUDGE,
    WINDOW,
    Anchor,
    ClockOffset,
    Drift,
)


def _fill(drift: Drift, values: list[float], speed: float = 1.0) -> list:
    return [drift.decide(speed) for v in values if drift.add(v) is None]


def test_no_decision_until_the_window_is_full():
    drift = Drift()
    assert _fill(drift, [0.03] * (WINDOW - 1)) == [None] * (WINDOW - 1)
    assert drift.error is None


def test_small_errors_nudge_the_speed_against_the_error():
    ahead, behind = Drift(), Drift()
    slower = [d for d in _fill(ahead, [0.02] * (WINDOW + DECIDE_EVERY)) if d is not None]
    faster = [d for d in _fill(behind, [-0.02] * (WINDOW + DECIDE_EVERY)) if d is not None]
    assert slower and slower[0] < 1.0 and faster and faster[0] > 1.0
    assert 1.0 - slower[0] <= MAX_NUDGE["screen"]


def test_nudges_are_capped_and_sound_is_nudged_less():
    screen, audio = Drift("screen"), Drift("audio")
    s = [d for d in _fill(screen, [0.09] * (WINDOW + DECIDE_EVERY)) if d is not None]
    a = [d for d in _fill(audio, [0.09] * (WINDOW + DECIDE_EVERY)) if d is not None]
    assert s[0] == 1.0 - MAX_NUDGE["screen"] and a[0] == 1.0 - MAX_NUDGE["audio"]


def test_within_the_deadband_the_speed_goes_back_to_one():
    drift = Drift()
    decisions = _fill(drift, [DEADBAND / 2] * (WINDOW + DECIDE_EVERY), speed=0.97)
    assert 1.0 in decisions


def test_one_wild_frame_moves_nothing_the_median_holds():
    drift = Drift()
    decisions = _fill(drift, [0.0] * 5 + [0.5] + [0.0] * 10)
    assert "seek" not in decisions and drift.error == 0.0


def test_a_large_error_seeks_only_when_a_fresh_window_confirms_it():
    stalled = Drift()  # a loop stall: one window of late stamps, then normal frames
    assert "seek" not in _fill(stalled, [-0.3] * (WINDOW + 1) + [0.0] * (2 * WINDOW))
    pushed = Drift()  # really 0.5 s off: it stays off
    assert "seek" in _fill(pushed, [0.5] * (3 * WINDOW))


def test_the_anchor_line_and_the_clock_offset_minimum():
    assert Anchor("a.mp4", 100.0, 2.0).expected(101.5) == 3.5
    offset = ClockOffset(window=3)
    for delay in (0.004, 0.001, 0.003):
        offset.add(arrival=200.0 + 0.010 + delay, timetag=200.0, latency=0.0)
    assert abs(offset.offset - 0.011) < 1e-9  # 10 ms ahead plus the smallest delay seen
    offset.add(250.0, 250.05, latency=0.05)  # sent 50 ms ahead: the latency comes off
    assert abs(offset.offset) < 1e-9
