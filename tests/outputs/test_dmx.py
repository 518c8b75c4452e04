"""The DMX mixer: linear fades, several at once, exact ends, seek snapshots."""

import itertools

from showctl.outputs.dmx import FRAME, Mixer, levels_at


def run(mixer: Mixer) -> list[tuple[float, bytes]]:
    frames = []
    for _ in range(10_000):
        t = mixer.next_frame
        if t is None:
            return frames
        frames.append((t, mixer.frame(t)))
        mixer.advance(t)
    raise AssertionError("the stream never ended")


def test_a_fade_streams_at_40hz_and_its_last_frame_is_exactly_the_target():
    mixer = Mixer()
    mixer.start([(1, 255)], 1.0, at=10.0)
    frames = run(mixer)
    assert frames[0] == (10.0, bytes(512))
    assert frames[-1][0] == 11.0 and frames[-1][1][0] == 255
    assert len(frames) == 41
    assert all(abs(b[0] - a[0] - FRAME) < 1e-9 for a, b in itertools.pairwise(frames))
    assert [f[1][0] for f in frames] == sorted(f[1][0] for f in frames)


def test_overlapping_fades_on_different_channels_each_reach_their_target():
    mixer = Mixer()
    mixer.start([(1, 200)], 1.0, at=0.0)
    mixer.start([(2, 100)], 0.33, at=0.1)  # ends off the 40 Hz grid, at 0.43
    frames = run(mixer)
    at = {round(t, 9): frame for t, frame in frames}
    assert at[0.43][1] == 100 and at[1.0][0] == 200
    assert at[0.425][1] < 100, "the grid frame before the end is not yet there"
    assert round(mixer.value(1, 0.5)) == 100


def test_a_fade_starts_from_wherever_the_channel_is():
    mixer = Mixer()
    mixer.start([(5, 255)], 2.0, at=0.0)
    mixer.start([(5, 0)], 1.0, at=1.0)  # interrupts at 127.5
    assert mixer.value(5, 1.0) == 127.5 and mixer.value(5, 1.5) == 63.75
    assert mixer.value(5, 2.0) == 0


def test_zero_fade_is_one_frame_and_levels_at_replays_a_timeline():
    mixer = Mixer()
    mixer.start([(3, 42)], 0.0, at=5.0)
    assert run(mixer) == [(5.0, bytes([0, 0, 42]) + bytes(509))]
    snapshot = levels_at([(0.0, [(1, 100)], 0.0), (10.0, [(1, 200)], 2.0)], 11.0)
    assert snapshot.snapshot(11.0) == ((1, 150),)
