"""`PREFIX/cmd/<verb>`: the OSC face's verbs (docs/osc.md), each one Controller call,
with the role the dashboard asks for the same thing (viewer reads, operator runs the
show, admin switches the room's power).

A payload is empty, one plain value (the verb's one argument: `load` → show id, `stop` →
fade, `seek` → time or cue, `volume` → dB), or a JSON object naming the arguments and
optionally `token` (an API token of `web.tokens`: its role) and `id` (echoed in the
reply, to match answers to questions). A command without a token has `mqtt.role`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from showctl.core.controller import Controller
from showctl.core.errors import BadArgument, CommandError, NotFound
from showctl.model.venue import Venue

ROLES = {"viewer": 0, "operator": 1, "admin": 2}
MAX_PAYLOAD = 4096  # bytes; no command comes near


class Refused(CommandError):
    """The sender's role is not enough for this verb (the reply says which is)."""

    status = 403


@dataclass(frozen=True, slots=True)
class Verb:
    role: str
    fields: tuple[str, ...]  # the JSON fields it takes; the first is the plain payload's
    run: Callable[[Controller, dict[str, Any], str], Any]


def _number(args: dict[str, Any], name: str, *, default: float | None = None) -> float | None:
    value = args.get(name, default)
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            raise BadArgument(f"{name} must be a number, got {value!r}") from None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadArgument(f"{name} must be a number, got {value!r}")
    return float(value)


def _text(args: dict[str, Any], name: str) -> str:
    value = args.get(name)
    if not isinstance(value, str | int) or isinstance(value, bool) or value == "":
        raise BadArgument(f"this command needs {name}")
    return str(value)


def _state(c: Controller) -> dict[str, Any]:
    return {"state": c.state}


def _load(c: Controller, a: dict[str, Any], by: str) -> Any:
    c.load(_text(a, "show"), by=by)
    return _state(c)


def _start(c: Controller, a: dict[str, Any], by: str) -> Any:
    c.start(_text(a, "show"), by=by)
    return _state(c)


def _transport(method: str) -> Callable[[Controller, dict[str, Any], str], Any]:
    def run(c: Controller, a: dict[str, Any], by: str) -> Any:
        getattr(c, method)(by=by)
        return _state(c)
    return run


def _stop(c: Controller, a: dict[str, Any], by: str) -> Any:
    c.stop(_number(a, "fade"), by=by)
    return _state(c)


def _seek(c: Controller, a: dict[str, Any], by: str) -> Any:
    to = a.get("to")
    if isinstance(to, bool) or not isinstance(to, int | float | str) or to == "":
        raise BadArgument("seek needs a time (seconds) or a cue id")
    return {"state": c.state, **c.seek(to, by=by)}


def _hold(c: Controller, a: dict[str, Any], by: str) -> Any:
    c.hold_schedule(by=by)
    return {"held": c.schedule_held}


def _release(c: Controller, a: dict[str, Any], by: str) -> Any:
    c.release_schedule(by=by)
    return {"held": c.schedule_held}


def _volume(c: Controller, a: dict[str, Any], by: str) -> Any:
    db = _number(a, "db")
    if db is None:
        raise BadArgument("volume needs db (-80 to 12)")
    c.set_volume(db, _number(a, "fade", default=0.0) or 0.0, by=by)
    return {"db": c.volume}


def _status(c: Controller, a: dict[str, Any], by: str) -> Any:
    return c.status()


async def _power_on(c: Controller, a: dict[str, Any], by: str) -> Any:
    return (await c.power_on(by=by)).as_json()


async def _power_off(c: Controller, a: dict[str, Any], by: str) -> Any:
    return (await c.power_off(by=by)).as_json()


async def _check(c: Controller, a: dict[str, Any], by: str) -> Any:
    return (await c.check(by=by)).as_json()


VERBS: dict[str, Verb] = {
    "status": Verb("viewer", (), _status),
    "load": Verb("operator", ("show",), _load),
    "start": Verb("operator", ("show",), _start),
    "go": Verb("operator", (), _transport("go")),
    "pause": Verb("operator", (), _transport("pause")),
    "resume": Verb("operator", (), _transport("resume")),
    "stop": Verb("operator", ("fade",), _stop),
    "panic": Verb("operator", (), _transport("panic")),
    "seek": Verb("operator", ("to",), _seek),
    "schedule/hold": Verb("operator", (), _hold),
    "schedule/release": Verb("operator", (), _release),
    "volume": Verb("operator", ("db", "fade"), _volume),
    "check": Verb("operator", (), _check),
    "power/on": Verb("admin", (), _power_on),
    "power/off": Verb("admin", (), _power_off),
}
_FIRE = Verb("operator", (), lambda c, a, by: (c.fire(a["cue"], by=by), a["cue"])[1])


def find(verb: str) -> tuple[Verb, dict[str, Any]]:
    """The verb and what its topic carries (`cue/<id>/fire` → the cue id)."""
    found = VERBS.get(verb)
    if found is not None:
        return found, {}
    parts = verb.split("/")
    if len(parts) == 3 and parts[0] == "cue" and parts[2] == "fire" and parts[1]:
        return _FIRE, {"cue": parts[1]}
    raise NotFound(f"unknown command {verb!r}: one of {', '.join(sorted(VERBS))}, "
                   "cue/<id>/fire")


@dataclass(frozen=True, slots=True)
class Request:
    args: dict[str, Any]
    token: str | None
    id: Any


def parse(verb: Verb, payload: bytes) -> Request:
    """The payload as arguments: nothing, one plain value, or a JSON object."""
    if len(payload) > MAX_PAYLOAD:
        raise BadArgument(f"payload of {len(payload)} bytes (limit {MAX_PAYLOAD})")
    try:
        text = payload.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise BadArgument("the payload is not UTF-8 text") from None
    if not text:
        return Request({}, None, None)
    if not text.startswith("{"):
        if not verb.fields:
            raise BadArgument("this command takes no argument")
        return Request({verb.fields[0]: text}, None, None)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise BadArgument("the payload starts with '{' but is not a JSON object") from None
    if not isinstance(data, dict):
        raise BadArgument("the payload must be a JSON object")
    token, request_id = data.pop("token", None), data.pop("id", None)
    if token is not None and not isinstance(token, str):
        raise BadArgument("token must be a string")
    unknown = sorted(set(data) - set(verb.fields))
    if unknown:
        takes = ", ".join(verb.fields) or "no argument"
        raise BadArgument(f"unknown field {unknown[0]!r}: this command takes {takes} "
                          "(and token, id)")
    return Request(data, token, request_id)


def request_id(payload: bytes) -> Any:
    """The `id` of a payload whose command cannot be read (unknown, bad arguments): the
    refusal still reaches whoever asked."""
    if len(payload) > MAX_PAYLOAD or not payload.lstrip().startswith(b"{"):
        return None
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    return data.get("id") if isinstance(data, dict) else None


def identify(venue: Venue, token: str | None, default: str) -> tuple[str, str]:
    """(name, role) of a command: its token's (the dashboard's API tokens, the same
    hashes), or `mqtt.role` without one. A wrong token is refused, never downgraded."""
    if token is None:
        return "mqtt", default
    digest = hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()
    for entry in venue.web.tokens:
        if hmac.compare_digest(entry.token_hash, digest):
            return entry.name, entry.role
    raise Refused("invalid token")


def allow(verb_name: str, verb: Verb, name: str, role: str) -> None:
    if ROLES[role] < ROLES[verb.role]:
        whose = "a command without a token (mqtt.role)" if name == "mqtt" else f"token {name!r}"
        raise Refused(f"{verb_name} needs the {verb.role} role; {whose} is {role}")
