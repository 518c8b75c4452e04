"""The status as a UDP reply may carry it: compact, always under `UDP_SAFE` bytes.

The whole status (`Controller.status()`) is 8.5 KB with nine screens: one UDP datagram
past the controller's own 8192-byte input limit, fragmented on the wire, and lost whole
when one fragment is. Over UDP `/showctl/status` answers with what a panel shows (state,
show, time, cues, devices offline, schedule, the restart banner, check and power) and
says where the full one is: the same address over TCP (same port), or `GET /api/status`
(docs/osc.md). Any other reply that would not fit a safe datagram is refused with that
advice instead of being sent (`OscServer.reply`).
"""

from __future__ import annotations

from typing import Any

UDP_SAFE = 1400
"""Bytes a reply datagram may have: one Ethernet frame (1500) less the IP and UDP headers,
with room for a tunnel's; nothing is fragmented."""
NAMED = 12
"""Offline devices named at most; the count is always there."""
FULL = "the full status: /showctl/status over TCP (same port) or GET /api/status"


def _cue(cue: dict[str, Any] | None) -> dict[str, Any] | None:
    return {"id": cue["id"], "name": cue.get("name"), "at": cue.get("at")} if cue else None


def compact_status(status: dict[str, Any]) -> dict[str, Any]:
    devices = status.get("devices") or []
    offline = [d["id"] for d in devices if not d.get("online")]
    flagged = [d["id"] for d in devices if d.get("mismatch")]
    show = status.get("show")
    schedule = status.get("schedule") or {}
    nxt = schedule.get("next") or None
    restart = status.get("restart")
    check = status.get("check")
    power = status.get("power") or {}
    storage = status.get("storage") or {}
    return {
        "compact": True, "full": FULL,
        "venue": status.get("venue"), "state": status.get("state"),
        "show": {"id": show["id"], "title": show.get("title"), "length": show.get("length")}
        if show else None,
        "time": status.get("time"), "remaining": status.get("remaining"),
        "current_cue": _cue(status.get("current_cue")), "next_cue": _cue(status.get("next_cue")),
        "devices": {"total": len(devices), "offline": len(offline),
                    "offline_ids": offline[:NAMED], "not_as_told": flagged[:NAMED]},
        "schedule": {"held": schedule.get("held"),
                     "next": {k: nxt.get(k) for k in ("at", "show", "warning")} if nxt else None},
        "restart": {k: restart.get(k) for k in ("show", "title", "state", "at", "done",
                                                "stopped_at", "advice")}
        if restart else None,
        "check": {"ready": check.get("ready"), "at": check.get("at")} if check else None,
        "power": power.get("state"),
        "volume_db": (status.get("volume") or {}).get("db"),
        # a state write failing (a full state_dir): a restart would resume from the past
        "storage": {"ok": storage.get("ok", True),
                    "failing": sorted(storage.get("failing") or ())[:NAMED]},
    }
