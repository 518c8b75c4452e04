"""Which events of the core are worth waking someone for, in plain words.

Pure functions of one event: the service groups and sends what they return. Kinds are
the venue's `alerts[].events` vocabulary (docs/monitoring.md lists them)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import get_args

from showctl.core import events
from showctl.core.check import fault_message
from showctl.model.venue import AlertEvent

ALERT_KINDS: tuple[str, ...] = get_args(AlertEvent)
PROBLEMS = frozenset(ALERT_KINDS) - {"device_online", "projector_ok", "storage_ok",
                                     "standby_following"}
"""Kinds that are trouble; `device_online` is the all-clear after a `device_offline`,
`projector_ok` after a `projector_error` a projector's own status raised."""


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str
    subject: str  # the device, show or check it is about: grouping says "9 devices"
    text: str
    wall: float


def from_event(event: events.Event) -> Alert | None:
    """The alert an event raises, if any."""
    d = event.data
    if event.kind == events.DEVICE:
        device = str(d.get("device"))
        if d.get("online"):
            return Alert("device_online", device, f"{device} is online again", event.wall)
        why = f" ({d['reason']})" if d.get("reason") else ""
        return Alert("device_offline", device, f"{device} is offline{why}", event.wall)
    if event.kind == events.RUN:
        show, what = str(d.get("show")), d.get("event")
        if what == "end" and d.get("outcome") == "panic" and d.get("by") != "shutdown":
            return Alert("show_failed", show, f"{show} was ended by PANIC", event.wall)
        if what == "end" and d.get("outcome") == "interrupted":
            return Alert("show_interrupted", show, f"{show} was interrupted", event.wall)
        if what == "start" and d.get("reason"):  # it went ahead though something is wrong
            return Alert("start_devices_missing", show,
                         f"{show} started by {d.get('by')} with {d['reason']}", event.wall)
        if what in ("skip", "miss"):
            at = d.get("scheduled") or ""
            reason = f": {d['reason']}" if d.get("reason") else ""
            kind = "start_skipped" if what == "skip" else "start_missed"
            word = "skipped" if what == "skip" else "missed"
            return Alert(kind, show, f"scheduled start {at} of {show} {word}{reason}",
                         event.wall)
    if event.kind == events.STORAGE:
        if d.get("ok"):
            return Alert("storage_ok", "state_dir", "the state files are written again",
                         event.wall)
        files = ", ".join(f"{n} ({why})" for n, why in sorted((d.get("failing") or {}).items()))
        return Alert("storage_failed", "state_dir", f"cannot write the state in state_dir: "
                     f"{files}; a restart would resume from an older run state", event.wall)
    if event.kind == events.STANDBY and d.get("what") != "standby":
        kind = {"takeover": "takeover", "not_following": "standby_not_following",
                "following": "standby_following"}[str(d["what"])]
        return Alert(kind, "standby", str(d.get("message", "")).removeprefix("standby: "),
                     event.wall)
    if event.kind == events.CHECK and d.get("ready") is False:
        findings = d.get("findings") or []
        lines = "; ".join(f"{f.get('device') or 'room'}: {f.get('message')}" for f in findings)
        return Alert("check_failed", "self-check", f"self-check: not ready ({lines})",
                     event.wall)
    return None


def from_check(event: events.Event) -> list[Alert]:
    """A failed check is one alert, and each projector fault in it one more (a lamp
    error matters to whoever keeps the projectors even when the check is not theirs)."""
    alert = from_event(event)
    if alert is None:
        return []
    faults = [Alert("projector_error", str(f["device"]), f"{f['device']}: {f['message']}",
                    event.wall)
              for f in event.data.get("findings") or () if f.get("kind") in ("projector",
                                                                              "lamp")]
    return [alert, *faults]


def projector_faults(event: events.Event) -> dict[str, str] | None:
    """The ERST flags that are not ok in a projector's status a `device` event carries
    (every PJLink poll whose answer changed), or None when it carries none."""
    said = event.data.get("said") if event.kind == events.DEVICE else None
    status = (said or {}).get("projector")
    if not isinstance(status, dict):
        return None
    return {kind: str(level) for kind, level in (status.get("errors") or {}).items()
            if level != "ok"}


def fault_changes(device: str, before: dict[str, str], now: dict[str, str],
                  wall: float) -> list[Alert]:
    """A fault raised (or changed level) since the last status is a `projector_error`,
    one gone a `projector_ok`; a fault that stays says nothing again."""
    raised = [Alert("projector_error", device, f"{device}: {fault_message(kind, level)}", wall)
              for kind, level in sorted(now.items()) if before.get(kind) != level]
    cleared = [Alert("projector_ok", device,
                     f"{device}: the projector's {kind} {before[kind]} has cleared", wall)
               for kind in sorted(before.keys() - now.keys())]
    return raised + cleared
