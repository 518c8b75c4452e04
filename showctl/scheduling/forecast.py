"""What the next scheduled start will do, said before it happens (docs/schedule.md).

A start that will be skipped (a show left at a hold, the schedule held, devices missing
under `if_devices_missing: skip`) or that will replace the show an operator loaded
surprises nobody if the dashboard and the log say so a few minutes ahead, with what the
operator can do about it. The runner asks this on every change of state or devices.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from showctl.model.schedule import Policy

WARN_AHEAD = 300.0
"""Seconds before a start from which its trouble is announced."""


def offline_text(missing: list[str], total: int) -> str:
    """`2 of 10 devices offline (screen3, screen7)`, at most four named."""
    named = ", ".join(missing[:4]) + (", …" if len(missing) > 4 else "")
    return f"{len(missing)} of {total} devices offline ({named})"


def _clock(at: datetime | None, seconds: float) -> str:
    """The venue-clock instant `seconds` after `at` (`10:04:12`): a warning stays on
    screen for minutes, so it names instants, never "in 4:12"; `in 4:12` only when the
    start's instant is not known."""
    if at is None:
        return f"in {_span(seconds)}"
    return f"{at + timedelta(seconds=seconds):%H:%M:%S}"


def _span(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


def forecast(status: dict[str, Any], show: str, title: str, until_start: float,
             policy: Policy, missing: list[str], total: int,
             at: datetime | None = None) -> str | None:
    """What will go wrong with starting `show` in `until_start` seconds (at wall `at`, on
    the venue's clock), as things stand (`status`: the controller's status, `missing`: the
    show's devices offline now), with what the operator can do about it, worked out from
    the real times: a GO that would still be running at the start is not advice to play
    the show first. None when it will simply start.

    The start is decided `policy.preload` before it: a show busy then (holding, paused,
    running) makes it wait until its instant (`skip`: then skipped) or until it ends
    (`queue`); a show merely loaded is replaced; a held schedule skips it."""
    if status["schedule"]["held"]:
        return f"{title} will not run: the schedule is held (Release to let it run)"
    state = status["state"]
    loaded = status.get("show") or {}
    name = loaded.get("title") or loaded.get("id") or "a show"
    now = at - timedelta(seconds=until_start) if at is not None else None
    start_at = f"{at:%H:%M}" if at is not None else "then"
    remaining = float(status.get("remaining") or 0.0)
    skip = policy.if_busy == "skip"
    if state in ("holding", "paused"):
        how = "is holding" if state == "holding" else "is paused"
        button = "GO" if state == "holding" else "Resume"
        left = f"{_span(remaining)} left"
        if remaining < until_start:  # going on now, it ends in time
            return (f"{title} will be skipped: {name} {how} ({left}): press {button} "
                    f"by {_clock(now, until_start - remaining)} and it ends before {start_at}, "
                    f"or Stop it, or Hold schedule to skip {title} on purpose"
                    if skip else
                    f"{title} will wait: {name} {how} ({left}): press {button} or Stop it, "
                    f"or Hold schedule to skip {title}")
        verb = "will be skipped" if skip else "will start late, when it ends"
        return (f"{title} {verb}: {name} {how} with {left}, past {start_at} even if "
                f"it went on now: only Stop before {start_at} lets {title} start on time, "
                "or Hold schedule to skip it on purpose")
    if state in ("running", "prerolling", "stopping"):
        ends = remaining + max(0.0, -(status.get("time") or 0.0))
        if ends > until_start:
            ends_at = _clock(now, ends)
            if not skip:
                return f"{title} will start late: {name} is still running then (ends {ends_at})"
            return (f"{title} will be skipped: {name} is still running then (ends {ends_at}): "
                    f"Stop it before {start_at} to let {title} start, or Hold schedule to "
                    "skip it on purpose")
    if state == "loaded" and loaded.get("id") != show:
        lasts = float(loaded.get("length") or 0.0) + float(loaded.get("preroll") or 0.0)
        if lasts < until_start:
            return (f"{title} will replace the loaded {name} (GO now to play it first, or "
                    "Hold schedule to keep it)")
        then = "skipped" if skip else "late, when it ends"
        return (f"{title} will replace the loaded {name}: a GO now makes {title} {then} "
                f"({name} lasts {_span(lasts)}: it would end after {start_at}); Hold "
                f"schedule keeps {name} and skips {title}")
    if missing:
        if policy.if_devices_missing == "skip":
            return f"{title} will be skipped: {offline_text(missing, total)}"
        return f"{title} will start with {offline_text(missing, total)}"
    return None
