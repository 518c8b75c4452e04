"""The pre-show self-check (SPEC 6.3): can the room play today's shows now?

It asks what the controller already knows (device liveness, each player's latest status,
today's schedule, the files in force) and asks every projector afresh. Each finding names
its device and says, in a sentence, what an AV technician should look at.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from showctl.core.plan import compile_plan
from showctl.model import Show, Venue
from showctl.outputs.actions import Load, Play

FindingKind = Literal["offline", "clock", "media", "show", "projector", "lamp", "standby"]


@dataclass(frozen=True, slots=True)
class Finding:
    device: str | None  # None: the room itself (a show, the schedule)
    kind: FindingKind
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"device": self.device, "kind": self.kind, "message": self.message}


@dataclass(frozen=True, slots=True)
class CheckResult:
    at: float  # wall clock
    by: str
    findings: tuple[Finding, ...] = field(default=())

    @property
    def ready(self) -> bool:
        return not self.findings

    def as_json(self) -> dict[str, Any]:
        return {"at": self.at, "by": self.by, "ready": self.ready,
                "findings": [f.as_json() for f in self.findings]}


@dataclass(frozen=True, slots=True)
class RoomFacts:
    """What the check reads; the controller gathers it (status, schedule, files)."""

    venue: Venue
    shows: dict[str, Show]
    devices: list[dict[str, Any]]  # status()["devices"]
    today: list[str]  # show ids of today's scheduled starts still to come
    rejected: dict[str, list[str]]  # show file -> its errors (files not loaded)
    standby: tuple[str, ...] = ()  # status()["standby"]["findings"]: the two controllers


Unverified = Callable[[str, set[str]], list[str] | None]
"""Today's files a device's media agent has not verified (None: no agent report)."""


async def run_check(facts: RoomFacts, *, at: float, by: str,
                    projectors: Callable[[], Awaitable[list[dict[str, Any]]]],
                    unverified: Unverified | None = None) -> CheckResult:
    findings = [*_devices(facts, unverified), *_shows(facts),
                *(Finding(None, "standby", line) for line in facts.standby),
                *_projectors(facts.venue, await projectors())]
    return CheckResult(at, by, tuple(findings))


def _devices(facts: RoomFacts, unverified: Unverified | None = None) -> Iterable[Finding]:
    limit = facts.venue.check.clock_offset_max_ms
    needed = _media_needed(facts)
    for device in facts.devices:
        if device["kind"] == "projector":
            continue  # asked in its own protocol below
        if device.get("liveness") == "unknown":
            continue  # it cannot say it is there (SPEC 7.1): shown, never missing
        if not device.get("online"):
            why = f" ({device['reason']})" if device.get("reason") else ""
            yield Finding(device["id"], "offline", f"not answering{why}")
            continue
        confirmed = device.get("confirmed") or {}
        offset = confirmed.get("clock_offset_ms")
        if offset is not None and abs(offset) > limit:
            yield Finding(device["id"], "clock", f"clock is {offset:+.1f} ms off the controller's "
                                        f"(limit {limit:g} ms): check its time sync (chrony)")
        missing = sorted(set(confirmed.get("missing") or ()) & needed.get(device["id"], set()))
        if missing:
            more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
            yield Finding(device["id"], "media", f"media of today's shows missing: "
                                        f"{', '.join(missing[:3])}{more}")
        elif unverified is not None and needed.get(device["id"]):
            wrong = unverified(device["id"], needed[device["id"]])
            if wrong:
                more = f" and {len(wrong) - 3} more" if len(wrong) > 3 else ""
                yield Finding(device["id"], "media", f"media of today's shows not verified "
                              f"on the player: {', '.join(wrong[:3])}{more} (showctl media "
                              "sync)")


def _shows(facts: RoomFacts) -> Iterable[Finding]:
    for show in dict.fromkeys(facts.today):
        if show not in facts.shows:
            yield Finding(None, "show", f"today's show {show!r} is not loaded: "
                                + _why_missing(show, facts.rejected))


def _why_missing(show: str, rejected: dict[str, list[str]]) -> str:
    for path, errors in rejected.items():
        if show in path:
            return f"{path} was rejected ({errors[0] if errors else 'invalid'})"
    return "no show file has that id"


def fault_message(kind: str, level: str) -> str:
    """A projector's ERST flag in words: the check's finding and the poll's alert."""
    return f"projector reports a {kind} {level}"


def _projectors(venue: Venue, answers: list[dict[str, Any]]) -> Iterable[Finding]:
    limit = venue.check.lamp_hours_max
    for answer in answers:
        device = answer["device"]
        if not answer.get("answered"):
            yield Finding(device, "offline", f"projector not answering: {answer.get('error')}")
            continue
        power = answer.get("power")
        if power == "warming":
            yield Finding(device, "projector", "projector still warming up")
        elif power != "on":
            yield Finding(device, "projector", f"projector is {power}")
        for kind, level in sorted((answer.get("faults") or {}).items()):
            yield Finding(device, "projector", fault_message(kind, level))
        hours = answer.get("lamp_hours")
        if limit is not None and hours is not None and hours >= limit:
            yield Finding(device, "lamp", f"lamp at {hours} h (venue limit {limit} h): replace it")


def _media_needed(facts: RoomFacts) -> dict[str, set[str]]:
    """Per device, the media today's shows will ask it to play."""
    needed: dict[str, set[str]] = {}
    for show_id in dict.fromkeys(facts.today):
        show = facts.shows.get(show_id)
        if show is None:
            continue
        for planned in compile_plan(show, facts.venue).cues:
            for action in planned.actions:
                if isinstance(action, Load | Play):  # sound cues are plays on audio devices
                    needed.setdefault(action.device, set()).add(action.media)
    return needed
