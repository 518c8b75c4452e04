"""The cue sheet: each cue's devices and the exact OSC each will get (`showctl cues`,
and any face that shows a show's cues)."""

from __future__ import annotations

from typing import Any

from showctl.core.mix import Master
from showctl.core.plan import compile_plan
from showctl.model import Cue, Show, Venue
from showctl.outputs.actions import Action, Dmx, Levels, Volume
from showctl.outputs.dmx import FRAME
from showctl.outputs.profiles import Transport
from showctl.outputs.router import Router
from showctl.timecode import format_time


def cue_sheet(show: Show, venue: Venue) -> list[dict[str, Any]]:
    """Rows in time order: {"at", "time", "cue", "name", "hold", "device", "osc": [...]};
    the preroll loads come first, at minus the preroll. Levels are shown as they leave
    with the venue's start-up master volume (`volume:`) added."""
    plan = compile_plan(show, venue)
    router = Router(venue)
    master = venue.volume  # the level at start-up: an operator may move it later
    rows = [_row(-show.preroll, "preroll", "players load their first media", False, a, router)
            for a in plan.preloads()]
    for planned in plan.cues:
        cue = planned.cue
        if not planned.actions:
            rows.append({"at": cue.at, "time": format_time(cue.at), "cue": cue.id,
                         "name": cue.name, "hold": cue.hold, "device": "", "osc": []})
        rows += [_row(cue.at, cue.id, cue.name, cue.hold, a, router, master)
                 for a in planned.actions]
    return rows


def clocked_players(venue: Venue) -> list[str]:
    """The players the drift clock goes to (while they play): their profile takes it."""
    router = Router(venue)
    return [d.id for d in venue.players if router.profiles[d.id].supports("clock")]


def cue_devices(show: Show, venue: Venue) -> list[tuple[Cue, tuple[str, ...]]]:
    """Each cue with the devices it acts on (screens, lighting, raw OSC targets)."""
    return [(planned.cue, planned.devices) for planned in compile_plan(show, venue).cues]


def _row(at: float, cue: str, name: str, hold: bool, action: Action,
         router: Router, master: float = 0.0) -> dict[str, Any]:
    osc = describe(Master(db=master).resolve([action])[0], router)
    if isinstance(action, Volume) and master and osc and not osc[0].startswith("("):
        osc = [f"{osc[0]}  (cue {action.db:g} dB, master {master:+g} dB)"]
    return {"at": at, "time": format_time(at), "cue": cue, "name": name, "hold": hold,
            "device": action.device, "osc": osc}


def describe(action: Action, router: Router) -> list[str]:
    profile = router.profiles[action.device]
    if isinstance(action, Levels):
        if not profile.supports("dmx"):
            return [f"(levels: profile {profile.name!r} has no DMX output: nothing sent)"]
        (address, _), = profile.messages(Dmx(action.device, b""))
        shown = " ".join(f"{ch}={v}" for ch, v in action.levels)
        frames = max(1, round(action.fade / FRAME) + 1)
        return [f"{address} <512-byte blob> x{frames} at 40 Hz: {shown} over "
                f"{action.fade:g} s"]
    messages = profile.messages(action)
    if not messages:
        return [f"({action.kind}: not supported by profile {profile.name!r}: nothing sent)"]
    return [profile.show(*m) for m in messages]


def delivery(venue: Venue) -> list[tuple[str, str, str]]:
    """(device, profile, how it gets its commands) for each device: bundle or plain
    messages, when they leave, over what: the part of the sheet a profile decides."""
    router = Router(venue)
    out = []
    for device in venue.devices:
        profile = router.profiles[device.id]
        try:
            wire = profile.wire.value
        except ValueError as exc:
            wire = f"({exc})"
        if profile.wire is Transport.PJLINK:
            how = "PJLink command lines at the instant"
        elif profile.timetags:
            lead = router.lead[device.id]
            how = (f"one bundle per cue timetagged with its instant (timetags honoured), "
                   f"sent {lead * 1000:g} ms ahead")
        else:
            how = f"plain messages at the instant (bundles {profile.bundles.value})"
        where = f"{'tcp' if profile.wire is Transport.PJLINK else wire} " \
            f"{device.host}:{device.port}"
        limit = f", packets up to {profile.max_packet} bytes" if profile.max_packet < 1472 else ""
        out.append((device.id, profile.name, f"{how}; {where}{limit}"))
    return out
