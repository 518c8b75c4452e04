"""Reading one file of each kind: parse, shape-check, cross-check, paths resolved."""

from __future__ import annotations

import difflib
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from showctl.files import crossref
from showctl.files.errors import FileError
from showctl.files.schedule_checks import check_show_names
from showctl.files.shape import validate
from showctl.files.yamlsrc import MAX_BYTES, Document, Loc, YamlProblem, parse
from showctl.model import Cue, Device, Schedule, ScheduleEntry, Show, SpecialDay, Venue
from showctl.model.types import parse_day
from showctl.outputs.profiles import PROFILES
from showctl.timecode import parse_clock, parse_time

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
Kind = Literal["venue", "show", "schedule"]


@dataclass
class Loaded(Generic[T]):
    """One file's outcome: the model when it is valid, and every error found."""

    path: Path
    model: T | None = None
    doc: Document | None = None
    errors: list[FileError] = field(default_factory=list)

    @property
    def raw(self) -> dict[str, Any]:
        """The file's data as written (even if invalid): a dict or empty."""
        data = self.doc.data if self.doc else None
        return data if isinstance(data, dict) else {}


def read(path: Path) -> tuple[Document | None, list[FileError]]:
    try:
        with path.open("rb") as f:
            raw = f.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            size = path.stat().st_size / 1e6
            return None, [FileError(path, 1, 1, f"the file is {size:.1f} MB: at most "
                                    f"{MAX_BYTES / 1e6:.1f} MB (a 10,000-cue show is about 1 MB)")]
        text = raw.decode("utf-8")
    except FileNotFoundError:
        return None, [FileError(path, 1, 1, "file not found")]
    except UnicodeDecodeError as exc:
        return None, [FileError(path, 1, 1, f"not a text file (UTF-8): {exc.reason}")]
    except OSError as exc:
        return None, [FileError(path, 1, 1, f"cannot read the file: {exc.strerror}")]
    try:
        doc = parse(text, path)
    except YamlProblem as exc:
        return None, [exc.error]
    return doc, list(doc.errors)


_KEYS: dict[Kind, set[str]] = {
    "show": {"id", "title", "preroll", "duration", "cues", "cue"},
    "venue": {"venue", "devices", "groups", "timezone", "state_dir", "osc", "web", "safe_look",
              "on_restart", "realtime", "device", "schedule", "volume", "mqtt", "triggers"},
    "schedule": {"shows", "closed", "special", "policy", "show"},
}


def identify(path: Path) -> Kind | None:
    """What a file is, by its keys: the kind whose keys it has most of (`cues`, `title`,
    `preroll` → show; `devices`, `venue` → venue; `closed`, `special` → schedule), a
    misspelt key counting for the kind it resembles. A tie: a file in a folder named
    `shows` is a show, any other a schedule. None: no clue at all, as in an empty file
    outside `shows` (an empty schedule is fine where the venue expects one, but a file
    named on its own must say what it is)."""
    doc, _ = read(path)
    data = doc.data if doc and isinstance(doc.data, dict) else {}
    votes = dict.fromkeys(_KEYS, 0.0)
    for key in map(str, data):
        exact = [kind for kind, keys in _KEYS.items() if key in keys]
        if exact:
            for kind in exact:
                votes[kind] += 1 / len(exact)
            continue
        for kind, keys in _KEYS.items():
            if difflib.get_close_matches(key, keys, n=1, cutoff=0.75):
                votes[kind] += 0.5
    if "cues" in data:
        votes["show"] += 2  # a timeline is what makes a show
    best = max(votes.values())
    if best == 0 and path.parent.name != "shows" and doc is not None:
        return None  # empty, or keys (or a value) that none of the three kinds has
    leaders = [kind for kind, n in votes.items() if n == best]
    if len(leaders) == 1 and best > 0:
        return leaders[0]
    if path.parent.name == "shows" and "show" in leaders:
        return "show"
    return "schedule" if "schedule" in leaders else leaders[0]


def load_venue(path: Path) -> Loaded[Venue]:
    """The venue with `state_dir`, `shows` and `schedule` made absolute from its folder."""
    path = path.absolute()
    out: Loaded[Venue] = Loaded(path)
    out.doc, out.errors = read(path)
    if out.doc is None:
        return out
    _factory_ports(out.doc.data)
    venue, shape_errors = validate(Venue, out.doc)
    out.errors += shape_errors
    if venue is None:
        salvaged = _salvage_venue(out.raw)
        if salvaged is not None:  # checks on what is valid, so one pass shows every error
            out.errors += crossref.check_venue(salvaged[0], _renumber(out.doc, salvaged[1]))
        return out
    out.errors += crossref.check_venue(venue, out.doc)
    base = path.parent
    out.model = venue.model_copy(
        update={
            "state_dir": _resolve(base, venue.state_dir),
            "shows": _resolve(base, venue.shows),
            "schedule": _resolve(base, venue.schedule),
            "source": path,
        }
    )
    return out


def _factory_ports(data: object) -> None:
    """A device that gives no `port:` gets its product's factory port for its transport
    (`Profile.ports`: Eos 3032, QLab 53000...); one whose product has none stays without,
    and the shape check says it is missing."""
    devices = data.get("devices") if isinstance(data, dict) else None
    for raw in devices if isinstance(devices, list) else ():
        if not isinstance(raw, dict) or "port" in raw:
            continue
        cls = PROFILES.get(str(raw.get("profile", "showctl")))
        transport = raw.get("transport")
        framing = raw.get("framing")
        if cls is None or not isinstance(transport, str | None) \
                or not isinstance(framing, str | None):
            continue
        try:
            probe = cls(Device.model_construct(id="?", kind="osc", port=0,
                                               transport=transport,  # type: ignore[arg-type]
                                               framing=framing))  # type: ignore[arg-type]
            port = probe.ports.get(probe.wire)
        except ValueError:  # a transport it does not take: the checks say that, not
            port = cls.ports.get(cls.transport)  # that the port is missing
        if port is not None:
            raw["port"] = port


def load_show(path: Path, venue: Venue | None) -> Loaded[Show]:
    """A show, cross-checked against `venue` when there is one."""
    out: Loaded[Show] = Loaded(path.absolute())
    out.doc, out.errors = read(out.path)
    if out.doc is None:
        return out
    show, shape_errors = validate(Show, out.doc)
    out.errors += shape_errors
    if show is not None:
        out.errors += crossref.check_show(show, out.doc, venue)
        out.model = show
    elif isinstance(cues := out.raw.get("cues"), list):
        salvaged, partial = _salvage(cues)
        out.errors += crossref.check_cues(salvaged, out.doc, venue, partial)
        try:
            duration = parse_time(out.raw["duration"]) if "duration" in out.raw else None
        except ValueError:
            duration = None
        timed = [(i, cue) for i, cue in salvaged if "at" not in partial.get(i, ())]
        out.errors += crossref.check_duration(duration, timed, out.doc)
    return out


def _salvage(cues: list[Any]) -> tuple[list[tuple[int, Cue]], dict[int, set[str]]]:
    """Each cue as far as it is valid, so that one pass shows every error: a cue with bad
    fields is re-read without them (a bad `id` or `at` replaced by a stand-in that the
    checks skip). Returns the cues and, by index, the fields each one lost."""
    salvaged: list[tuple[int, Cue]] = []
    partial: dict[int, set[str]] = {}
    for i, item in enumerate(cues):
        if not isinstance(item, dict):
            continue
        cue, lost = _without_bad_keys(Cue, item, id="?", at=0)
        if cue is None:
            continue
        if lost:
            partial[i] = lost
        salvaged.append((i, cue))
    return salvaged, partial


def load_schedule(path: Path, show_ids: Collection[str] | None) -> Loaded[Schedule]:
    """A schedule, its show names checked against `show_ids` when given."""
    out: Loaded[Schedule] = Loaded(path.absolute())
    out.doc, out.errors = read(out.path)
    if out.doc is None:
        return out
    if out.doc.data is None:  # an empty schedule file is a schedule with no shows
        out.model = Schedule()
        return out
    schedule, shape_errors = validate(Schedule, out.doc)
    out.errors += shape_errors
    if schedule is not None:
        out.errors += crossref.check_schedule(schedule, out.doc, show_ids)
        out.model = schedule
    else:
        if show_ids is not None:
            out.errors += check_show_names(out.doc, show_ids)
        salvaged = _salvage_schedule(out.raw)
        out.errors += crossref.check_schedule(salvaged[0], _renumber(out.doc, salvaged[1]), None)
    return out


def _renumber(doc: Document, kept: dict[Loc, list[int]]) -> Document:
    """`doc` seen through salvaged lists: `kept` gives, by list (in salvaged numbering),
    the original index of each item kept, so errors about the salvaged model still point
    at the right lines of the file."""
    new_index = {loc: {old: new for new, old in enumerate(olds)} for loc, olds in kept.items()}

    def renumbered(loc: Loc) -> Loc | None:
        out: Loc = ()
        for part in loc:
            if out in new_index and isinstance(part, int):
                if part not in new_index[out]:
                    return None
                part = new_index[out][part]
            out = (*out, part)
        return out

    view = Document(doc.path, doc.data)
    for source, target in ((doc.values, view.values), (doc.keys, view.keys)):
        for loc, where in source.items():
            if (new := renumbered(loc)) is not None:
                target[new] = where
    return view


def _valid_items(model: type[BaseModel], items: object) -> tuple[list[Any], list[int]]:
    """The items of a list that are valid without their bad keys, and their indexes."""
    models, indexes = [], []
    for i, item in enumerate(items if isinstance(items, list) else []):
        valid = _valid_keys(model, item) if isinstance(item, dict) else None
        if valid is not None:
            models.append(valid)
            indexes.append(i)
    return models, indexes


def _valid_keys(model: type[M], data: dict[str, Any], **stand_ins: Any) -> M | None:
    """`model` from the keys of `data` that are valid (a bad required one replaced by its
    stand-in), or None."""
    return _without_bad_keys(model, data, **stand_ins)[0]


def _without_bad_keys(model: type[M], data: dict[str, Any],
                      **stand_ins: Any) -> tuple[M | None, set[str]]:
    """`model` from the valid keys of `data`, bad or missing ones with a stand-in replaced
    by it; and the keys it lost (none when `data` was valid as it is)."""
    try:
        return model.model_validate(data), set()
    except ValidationError as exc:
        bad = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
    rest = {k: v for k, v in data.items() if k not in bad}
    rest.update({k: v for k, v in stand_ins.items() if k not in rest})
    try:
        return model.model_validate(rest), bad | (stand_ins.keys() - data.keys())
    except ValidationError:
        return None, bad


def _salvage_venue(data: dict[str, Any]) -> tuple[Venue, dict[Loc, list[int]]] | None:
    devices, kept = _valid_items(Device, data.get("devices"))
    rest = {k: v for k, v in data.items() if k != "devices"}
    if not isinstance(data.get("devices"), list) or len(kept) != len(data["devices"]):
        # a member may name a device that was dropped, or devices could not be read at
        # all (`devics:`): the error at the devices is enough
        rest.pop("groups", None)
    venue = _valid_keys(Venue, rest, venue="?")
    if venue is None:
        return None
    return venue.model_copy(update={"devices": tuple(devices)}), {("devices",): kept}


def _good_times(item: Any) -> tuple[Any, list[int] | None]:
    """An entry with only the valid items of its `times` list (so that the other times
    are still checked), and the indexes kept; None when there was nothing to drop."""
    if not isinstance(item, dict) or not isinstance(item.get("times"), list):
        return item, None
    kept = []
    for j, value in enumerate(item["times"]):
        try:
            parse_clock(value)
        except (ValueError, TypeError):
            continue
        kept.append(j)
    if len(kept) == len(item["times"]):
        return item, None
    return {**item, "times": [item["times"][j] for j in kept]}, kept


def _entries(model: type[M], items: object, loc: Loc) -> tuple[list[M], dict[Loc, list[int]]]:
    """The schedule entries that are valid without their bad times and keys (a window
    that ends before it starts is left out: the entry's times are still checked)."""
    models: list[M] = []
    kept: dict[Loc, list[int]] = {loc: []}
    for i, item in enumerate(items if isinstance(items, list) else []):
        item, times = _good_times(item)
        if not isinstance(item, dict):
            continue
        valid = _valid_keys(model, item)
        if valid is None:  # a model-wide check failed: the date window
            valid = _valid_keys(model, {k: v for k, v in item.items()
                                        if k not in ("from_date", "until_date")})
        if valid is None:
            continue
        if times is not None:
            kept[(*loc, len(models), "times")] = times
        models.append(valid)
        kept[loc].append(i)
    return models, kept


def _salvage_schedule(data: dict[str, Any]) -> tuple[Schedule, dict[Loc, list[int]]]:
    entries, kept = _entries(ScheduleEntry, data.get("shows"), ("shows",))
    days, kept_days = _valid_items(SpecialDay, data.get("special"))
    closed, kept_closed = [], []
    raw_closed = data.get("closed")
    for i, day in enumerate(raw_closed if isinstance(raw_closed, list) else []):
        try:
            closed.append(parse_day(day))
        except ValueError:
            continue
        kept_closed.append(i)
    schedule = Schedule(shows=tuple(entries), special=tuple(days), closed=tuple(closed))
    kept |= {("special",): kept_days, ("closed",): kept_closed}
    return schedule, kept


def _resolve(base: Path, path: Path) -> Path:
    return path if path.is_absolute() else (base / path).resolve()
