"""The triggers' guards on an injected clock: the first press acts, a bounce and a press
within the cooldown do not, a press after both does; the payload only selects."""

from __future__ import annotations

from showctl.model.mqtt import Trigger
from showctl.mqtt.triggers import DEBOUNCE, Triggers


def test_debounce_and_cooldown() -> None:
    now = [100.0]
    film = Trigger(topic="museum/buttons/+", payload="pressed", action={"start": "film"},
                   cooldown=10)
    guard = Triggers((film,), lambda: now[0])
    assert guard.matching("museum/buttons/film", b"pressed") == [(0, film)]
    assert guard.matching("museum/buttons/film", b"released") == []
    assert guard.matching("museum/other", b"pressed") == []
    assert guard.press(0) is None  # the first press acts at once
    now[0] += DEBOUNCE / 2
    assert guard.press(0) == "debounce"
    now[0] += DEBOUNCE * 2
    assert guard.press(0) == "cooldown"
    now[0] = 100.0 + 10.0 + DEBOUNCE
    assert guard.press(0) is None  # cooldown over, no bounce: acts again
