"""Triggers: a visitor's button or a sensor on the broker, mapped to one action.

A visitor hammering a button must start one show, not twenty. Two guards, per trigger:
* **debounce**: a press arriving less than DEBOUNCE after the previous one (acted on or
  not) is the same press (a bouncing contact, a sensor repeating itself);
* **cooldown**: after a trigger acted, it is ignored for `cooldown` seconds.
What a trigger may do is its mapping's one action: it never reads a command from the
payload (the payload only selects, when the venue names one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiomqtt import Topic

from showctl.core.controller import Controller
from showctl.model.mqtt import StartShow, Trigger

DEBOUNCE = 0.25  # seconds between two presses for the second to count as a new one


def describe(trigger: Trigger) -> str:
    action = trigger.action
    return f"start {action.start}" if isinstance(action, StartShow) else action


def act(controller: Controller, trigger: Trigger, *, by: str) -> None:
    """The trigger's one action; raises the core's CommandError when refused."""
    action = trigger.action
    if isinstance(action, StartShow):
        controller.start(action.start, by=by)
    elif action == "go":
        controller.go(by=by)
    elif action == "stop":
        controller.stop(None, by=by)
    elif action == "hold":
        controller.hold_schedule(by=by)
    else:
        controller.release_schedule(by=by)


@dataclass(slots=True)
class _Seen:
    last_press: float = -1e18
    last_act: float = -1e18


class Triggers:
    """The venue's triggers and when each last pressed and acted (monotonic seconds)."""

    def __init__(self, triggers: tuple[Trigger, ...], now: Callable[[], float]) -> None:
        self.triggers = triggers
        self._now = now
        self._seen = [_Seen() for _ in triggers]

    @property
    def topics(self) -> list[str]:
        return sorted({t.topic for t in self.triggers})

    def matching(self, topic: str, payload: bytes) -> list[tuple[int, Trigger]]:
        text = payload.decode("utf-8", "replace").strip()
        return [(i, t) for i, t in enumerate(self.triggers)
                if Topic(topic).matches(t.topic) and (t.payload is None or t.payload == text)]

    def press(self, index: int) -> str | None:
        """None: act now; else why this press is ignored ("debounce", "cooldown")."""
        seen, trigger, now = self._seen[index], self.triggers[index], self._now()
        bounced = now - seen.last_press < DEBOUNCE
        seen.last_press = now
        if bounced:
            return "debounce"
        if now - seen.last_act < trigger.cooldown:
            return "cooldown"
        seen.last_act = now
        return None
