"""What the next scheduled start will do, said before it happens (docs/schedule.md).

A start that will be skipped (a show left at a hold, the schedule held, devices missing
under `if_devices_missing: skip`) or that will replace the show an operator loaded
surprises nobody if the dashboard and the log say so a few minutes ahead, with what the
operator can do about it. The runner asks this on every change of state or devices.
"""

from __future__ import annotations

from typing import Any

from showctl.model.schedule import Policy

WARN_AHEAD = 300.0
"""Seconds before a start from which its trouble is announced."""


def offline_text(missing: list[str], total: int) -> str:
    """`2 of 10 devices offline (screen3, screen7)`, at most four named."""
    named = ", ".join(missing[:4]) + (", …" if len(missing) > 4 else "")
    return f"{len(missing)} of {total} devices offline ({named})"


def forecast(status: dict[str, Any], show: str, title: str, until_start: float,
             policy: Policy, missing: list[str], total: int) -> str | None:
    """What will go wrong with starting `show` in `until_start` seconds, as things stand
    (`status`: the controller's status, `missing`: the show's devices offline now), with
    what to do about it; None when it will simply start."""
    if status["schedule"]["held"]:
        return f"{title} will not run: the schedule is held (Release to let it run)"
    state = status["state"]
    loaded = status.get("show") or {}
    name = loaded.get("title") or loaded.get("id") or "a show"
    if state == "holding":
        verb = "will be skipped" if policy.if_busy == "skip" else "will wait"
        return (f"{title} {verb}: {name} is holding (press GO or Stop before then, or "
                "Hold schedule)")
    if state == "paused":
        verb = "will be skipped" if policy.if_busy == "skip" else "will wait"
        return (f"{title} {verb}: {name} is paused (Resume or Stop before then, or "
                "Hold schedule)")
    if state in ("running", "prerolling", "stopping"):
        remaining = status.get("remaining") or 0.0
        if remaining + max(0.0, -(status.get("time") or 0.0)) > until_start:
            verb = "will be skipped" if policy.if_busy == "skip" else "will wait"
            return f"{title} {verb}: {name} is still running then"
    if state == "loaded" and loaded.get("id") != show:
        return (f"{title} will replace the loaded {name} (GO now to play it first, or Hold "
                "schedule to keep it)")
    if missing:
        if policy.if_devices_missing == "skip":
            return f"{title} will be skipped: {offline_text(missing, total)}"
        return f"{title} will start with {offline_text(missing, total)}"
    return None
