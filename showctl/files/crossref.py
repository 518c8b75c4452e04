"""Checks a model cannot make on its own: order and uniqueness in a show, names that
must exist in the venue, schedule entries that collide. Each error points at its node.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterable, Mapping

from showctl.files.errors import FileError
from showctl.files.picture_checks import check_pictures
from showctl.files.schedule_checks import check_schedule
from showctl.files.timecode_checks import check_show_timecode, check_timecode
from showctl.files.yamlsrc import Document, Loc
from showctl.model import Cue, Device, Show, Venue
from showctl.outputs.actions import Action, Lights, Play
from showctl.outputs.profiles import PROFILES, profile_for
from showctl.timecode import format_time

__all__ = [
    "check_cues", "check_duration", "check_schedule", "check_show", "check_venue", "did_you_mean",
]

SCREEN_ACTIONS = ("play", "stop", "black", "pause", "pattern")


def did_you_mean(name: object, known: Iterable[str]) -> str:
    by_lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(str(name).lower(), list(by_lower), n=1, cutoff=0.6)
    return f": did you mean {by_lower[close[0]]!r}?" if close else ""


def check_show(show: Show, doc: Document, venue: Venue | None) -> list[FileError]:
    cues = list(enumerate(show.cues))
    return (check_cues(cues, doc, venue) + check_duration(show.duration, cues, doc)
            + check_show_timecode(show, doc, venue))


def check_duration(
    duration: float | None, cues: list[tuple[int, Cue]], doc: Document
) -> list[FileError]:
    """A `duration` that ends before the last cue (of `cues`, by index in the file)."""
    if duration is None or not cues:
        return []
    i, last = max(cues, key=lambda ic: (ic[1].at, ic[0]))
    if duration >= last.at:
        return []
    return [doc.error(("duration",), (
        f"duration {format_time(duration)} ends before cue {last.id!r} at "
        f"{format_time(last.at)} (line {doc.where(('cues', i))[0]}): that cue would never run"))]


def check_cues(
    cues: list[tuple[int, Cue]], doc: Document, venue: Venue | None,
    partial: Mapping[int, Collection[str]] | None = None,
) -> list[FileError]:
    """Cues with their index in the file's list: all of them, or those of a file with
    other errors as far as they are valid (`partial`: by index, the fields a cue lost)."""
    errors: list[FileError] = []
    room = _Room(venue) if venue is not None else None
    first_id: dict[str, int] = {}
    previous: tuple[Cue, int] | None = None
    for i, cue in cues:
        lost = partial.get(i, ()) if partial else ()  # a field it lost is not checked
        if "id" not in lost:
            if cue.id in first_id:
                line = doc.where(("cues", first_id[cue.id]))[0]
                errors.append(doc.error(
                    ("cues", i, "id"), f"duplicate cue id {cue.id!r} (first on line {line})"
                ))
            else:
                first_id[cue.id] = i
        if "at" not in lost:
            if previous and cue.at < previous[0].at:
                before, j = previous
                errors.append(doc.error(
                    ("cues", i, "at"),
                    f"at {format_time(cue.at)} is before cue {before.id!r} at "
                    f"{format_time(before.at)} (line {doc.where(('cues', j))[0]}): "
                    "cues must be in time order",
                ))
            previous = (cue, i)
        if room is not None:
            errors += _check_cue_devices(cue, ("cues", i), doc, room, bool(lost))
            errors += _check_for_products(cue, ("cues", i), doc, room)
    return errors


def _check_for_products(cue: Cue, loc: Loc, doc: Document, room: _Room) -> list[FileError]:
    """What a device's product cannot take as the cue says it (`Profile.check`): a cue
    number Eos cannot fire, a media name that is no Resolume clip..."""
    checks: list[tuple[Loc, str, Action]] = []
    if cue.lights is not None:
        for device in [cue.lights.device] if cue.lights.device else room.lighting:
            checks.append(((*loc, "lights", "cue"), device,
                           Lights(device, cue.lights.cue, cue.lights.fade)))
    if cue.play is not None and cue.screens is not None:
        try:
            chosen = room.venue.resolve_screens(cue.screens)
        except KeyError:
            chosen = ()  # reported by the screens' check
        for device in chosen:
            index = room.indexes.get(device)
            media = cue.play.media.replace("{screen}", str(index if index is not None else ""))
            checks.append(((*loc, "play", "media"), device,
                           Play(device, media, cue.play.from_)))
    sound = getattr(cue, "sound", None)
    if sound is not None:
        for device in [sound.device] if sound.device else [d.id for d in room.venue.audio]:
            checks.append(((*loc, "sound", "media"), device,
                           Play(device, sound.media, sound.from_)))
    errors: list[FileError] = []
    for where, device, action in checks:
        profile = room.profiles.get(device)
        if profile is None or not profile.supports(action.kind):
            continue
        problem = profile.check(action)
        if problem:
            errors.append(doc.error(where, f"{device} ({profile.name}): {problem}"))
    return errors


class _Room:
    """What the checks ask of the venue, worked out once per show (10,000 cues)."""

    def __init__(self, venue: Venue) -> None:
        self.venue = venue
        self.ids = [d.id for d in venue.devices]
        self.kinds = {d.id: d.kind for d in venue.devices}
        self.lighting = [d.id for d in venue.lighting]
        # which lighting devices can carry each action, by their profile
        self.carries = {
            "lights": [d.id for d in venue.lighting if _supports(d.profile, "lights")],
            "levels": [d.id for d in venue.lighting if _supports(d.profile, "dmx")],
        }
        self.audio = [d.id for d in venue.audio]
        self.sounding = [d.id for d in venue.audio if _supports(d.profile, "volume")]
        self.numbers = sorted(d.index for d in venue.screens if d.index is not None)
        # screens sharing an index: the venue reports it; numbers are then not checked
        self.numbering_broken = len(set(self.numbers)) != len(self.numbers)
        self.selectable = ["all", *venue.groups, *(d.id for d in venue.screens)]
        self.indexes = {d.id: d.index for d in venue.devices}
        self.profiles = {d.id: profile_for(d) for d in venue.devices if d.profile in PROFILES}
        self._resolved: dict[int | str, tuple[str, ...] | None] = {}

    def resolve(self, item: int | str) -> tuple[str, ...] | None:
        """Device ids one `screens:` item names; None when the venue has no such thing."""
        if item not in self._resolved:
            try:
                self._resolved[item] = self.venue.resolve_screens((item,))
            except KeyError:
                self._resolved[item] = None
        return self._resolved[item]


def _check_cue_devices(
    cue: Cue, loc: Loc, doc: Document, room: _Room, partial: bool
) -> list[FileError]:
    errors: list[FileError] = []
    if cue.screens is not None:
        errors += _check_screens(cue, loc, doc, room, partial)
    lighting = room.lighting
    for name in ("lights", "levels"):
        action = getattr(cue, name)
        if action is None:
            continue
        able = room.carries[name]
        what = "console cues" if name == "lights" else "DMX levels"
        if action.device is None:
            if not able:
                errors.append(doc.error((*loc, name), f"{name}: no lighting device of the venue "
                                        f"takes {what} (see its `profile`)", key=True))
        elif action.device not in lighting:
            errors.append(
                doc.error(
                    (*loc, name, "device"),
                    f"{action.device!r} is not a lighting device of the venue"
                    + (did_you_mean(action.device, lighting)
                       or f" (lighting: {', '.join(lighting) or 'none'})"),
                )
            )
        elif action.device not in able:
            profile = room.venue.device(action.device).profile
            errors.append(doc.error((*loc, name, "device"), f"{action.device!r} (profile "
                                    f"{profile}) does not take {what}"))
    for name in ("sound", "volume"):
        action = getattr(cue, name)
        if action is None:
            continue
        if action.device is None:
            if not room.sounding:
                why = "no audio device of the venue plays sound (see its `profile`)" \
                    if room.audio else "the venue has no audio device (kind: audio)"
                errors.append(doc.error((*loc, name), f"{name}: {why}", key=True))
        elif action.device not in room.audio:
            errors.append(doc.error(
                (*loc, name, "device"), f"{action.device!r} is not an audio device of the venue"
                + (did_you_mean(action.device, room.audio)
                   or f" (audio: {', '.join(room.audio) or 'none'})")))
        elif action.device not in room.sounding:
            profile = room.venue.device(action.device).profile
            errors.append(doc.error((*loc, name, "device"), f"{action.device!r} (profile "
                                    f"{profile}) does not play sound"))
    ids = room.ids
    for j, osc in enumerate(cue.osc):
        if osc.device not in ids:
            where = (*loc, "osc", j, "device") if (*loc, "osc", j) in doc.values else (
                *loc, "osc", "device")
            errors.append(
                doc.error(where, f"the venue has no device {osc.device!r}"
                          + did_you_mean(osc.device, ids))
            )
    return errors


def _check_screens(
    cue: Cue, loc: Loc, doc: Document, room: _Room, partial: bool
) -> list[FileError]:
    selector = cue.screens
    items = [selector] if isinstance(selector, str | int) else list(selector or ())
    listed = not isinstance(selector, str | int)
    errors: list[FileError] = []
    for j, item in enumerate(items):
        where = (*loc, "screens", j) if listed else (*loc, "screens")
        chosen = room.resolve(item)
        if chosen is None:
            if isinstance(item, int):
                if not room.numbering_broken:
                    errors.append(doc.error(where, f"screen {item} does not exist (screens: "
                                            f"{_spans(room.numbers)})"))
            else:
                errors.append(
                    doc.error(where, f"{item!r} is not a screen, a group or `all`"
                              + did_you_mean(item, room.selectable))
                )
            continue
        # a group member the venue lacks is the venue's error, reported there once
        others = [d for d in chosen
                  if room.kinds.get(d, "screen") not in ("screen", "projector")]
        if isinstance(item, str) and others == [item]:
            errors.append(
                doc.error(where, f"{item!r} is a {room.kinds[item]} device, not a screen"))
        elif others:
            errors.append(
                doc.error(where, f"group {item!r} holds {', '.join(others)}: not a screen")
            )
    if not partial and not any(getattr(cue, a) for a in SCREEN_ACTIONS):
        errors.append(
            doc.error((*loc, "screens"), "screens: given but the cue has no play, stop, "
                      "black or pause for them", key=True)
        )
    return errors


def check_venue(venue: Venue, doc: Document) -> list[FileError]:
    errors: list[FileError] = []
    errors += _unique(doc, ((("devices", i, "id"), d.id) for i, d in enumerate(venue.devices)),
                      "device id")
    errors += _unique(
        doc,
        ((("devices", i, "index"), d.index) for i, d in enumerate(venue.devices)
         if d.kind == "screen"),
        "screen index",
    )
    errors += _unique(doc, ((("web", "users", i, "name"), u.name)
                            for i, u in enumerate(venue.web.users)), "user")
    for i, device in enumerate(venue.devices):
        if device.profile not in PROFILES:
            errors.append(doc.error(("devices", i, "profile"), f"unknown profile "
                                    f"{device.profile!r}" + (did_you_mean(device.profile, PROFILES)
                                    or f" (profiles: {', '.join(sorted(PROFILES))})")))
            continue
        errors += _check_options(device, ("devices", i), doc)
        look = venue.safe_look
        if device.kind == "lighting" and look.lights is not None:
            profile = profile_for(device)
            action = Lights(device.id, look.lights, look.fade)
            problem = profile.check(action) if profile.supports("lights") else None
            if problem:
                errors.append(doc.error(("safe_look", "lights"), f"{device.id} "
                                        f"({profile.name}) gets the safe look: {problem}"))
    errors += check_timecode(venue, doc)
    errors += check_pictures(venue, doc)
    ids = [d.id for d in venue.devices]
    for name, members in venue.groups.items():
        if name == "all" or name in ids:
            errors.append(doc.error(("groups", name), f"group name {name!r} is already "
                                    f"{'every screen' if name == 'all' else 'a device id'}",
                                    key=True))
        for j, member in enumerate(members):
            if member not in ids:
                errors.append(doc.error(("groups", name, j), f"the venue has no device "
                                        f"{member!r}" + did_you_mean(member, ids)))
    return errors + _check_triggers(venue, doc)


def _check_triggers(venue: Venue, doc: Document) -> list[FileError]:
    """Triggers need the broker they arrive through, and stay off the command topics
    (a trigger does its one action, never a command of its own choosing)."""
    if not venue.triggers:
        return []
    if venue.mqtt is None:
        return [doc.error(("triggers",), "triggers need mqtt: {broker: host:port} (the "
                          "broker the buttons publish to)", key=True)]
    prefix = venue.mqtt.prefix or f"showctl/{venue.venue}"
    errors = []
    for i, trigger in enumerate(venue.triggers):
        first = trigger.topic.split("/")
        mine = prefix.split("/")
        # could the filter match PREFIX/...? (+ and # match any level)
        overlaps = all(a in ("+", "#", b) for a, b in zip(first, mine, strict=False)) and (
            len(first) > len(mine) or first[-1] == "#")
        if overlaps:
            errors.append(doc.error(("triggers", i, "topic"), f"{trigger.topic!r} reaches "
                                    f"under the mqtt prefix {prefix!r}: give triggers topics "
                                    "of their own (commands go to PREFIX/cmd/<verb>)"))
    return errors


def _check_options(device: Device, loc: Loc, doc: Document) -> list[FileError]:
    """Product options (`cue_list`, `layer`...) only where the profile takes them, and a
    `transport` the product speaks."""
    profile = profile_for(device)
    errors = []
    for key in Device.OPTIONS:
        if getattr(device, key) is not None and key not in profile.options:
            takers = sorted(n for n, p in PROFILES.items() if key in p.options)
            why = f": {profile.transports_why}" if key in ("transport", "framing") \
                and profile.transports_why else ""
            errors.append(doc.error((*loc, key), f"{key}: profile {profile.name!r} does not "
                                    f"take it (only {', '.join(takers) or 'none'}){why}"))
    if (problem := profile.check_device()) is not None:
        at = (*loc, "input") if device.input is not None and "input" in problem else loc
        errors.append(doc.error(at, problem))
    if device.transport is not None and "transport" in profile.options:
        try:
            profile.wire  # noqa: B018 - raises for a transport the product does not speak
        except ValueError as exc:
            errors.append(doc.error((*loc, "transport"), str(exc)))
    return errors


def _spans(numbers: list[int]) -> str:
    """`1-4, 6, 8-9`: the screen numbers a venue has."""
    spans: list[list[int]] = []
    for n in sorted(set(numbers)):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"{a}-{b}" if b > a else f"{a}" for a, b in spans) or "none"


def _supports(profile: str, kind: str) -> bool:
    return profile in PROFILES and kind in PROFILES[profile].kinds


def _unique(doc: Document, items: Iterable[tuple[Loc, object]], what: str) -> list[FileError]:
    first: dict[object, Loc] = {}
    errors = []
    for loc, value in items:
        if value in first:
            line = doc.where(first[value])[0]
            errors.append(doc.error(loc, f"duplicate {what} {value!r} (first on line {line})"))
        else:
            first[value] = loc
    return errors

