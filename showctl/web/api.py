"""The HTTP API of SPEC 4: each route is one Controller call, `by="web:<user>"`.

Refusals come from the core as CommandError (409), NotFound (404) or BadArgument
(400) and become `{"error": message}` in security.errors_middleware.
"""

from __future__ import annotations

import asyncio
import json
import math
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from showctl.core.controller import Controller
from showctl.core.errors import BadArgument, NotFound
from showctl.core.sheet import cue_devices
from showctl.history import History
from showctl.model import Cue, Show, Venue
from showctl.web.gate import read_body
from showctl.web.security import requires, who

CONTROLLER = web.AppKey("controller", Controller)
HISTORY = web.AppKey("history", History)  # absent: no history kept
TRANSPORT = ("go", "pause", "resume", "stop", "panic")
HISTORY_LIMIT = 500

routes = web.RouteTableDef()


async def _body(request: web.Request, *fields: str) -> dict[str, Any]:
    """The JSON object sent, or {} for an empty body; a field not in `fields` is refused
    (as OSC refuses an extra argument): a typo such as "fdae" must not pass silently."""
    data = await _json_object(request)
    unknown = sorted(set(data) - set(fields))
    if unknown:
        takes = ", ".join(f'"{f}"' for f in fields) or "no fields"
        raise BadArgument(f'unknown field "{unknown[0]}": this request takes {takes}')
    return data


async def _json_object(request: web.Request) -> dict[str, Any]:
    if not request.body_exists:
        return {}
    try:
        data = await read_body(request, request.json)
    except RecursionError:  # json's recursion: a request, never an internal error
        raise BadArgument("the body's JSON is nested too deeply") from None
    except ValueError:
        raise BadArgument("the body is not valid JSON") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BadArgument("the body must be a JSON object")
    return data


def _ok(request: web.Request) -> web.Response:
    return web.json_response({"ok": True, "status": request.app[CONTROLLER].status()})


def show_summary(show: Show) -> dict[str, Any]:
    return {"id": show.id, "title": show.title, "length": show.length, "cues": len(show.cues)}


def cue_sheet(show: Show, venue: Venue) -> dict[str, Any]:
    """The show's cues as written, in JSON: every time a number of seconds, each action
    with all its fields (a fade of 0 included), `hold` always, and `devices`: every device
    the cue acts on (screens, lighting, raw OSC targets), as `showctl cues` lists them."""
    cues = [cue_json(cue, devices) for cue, devices in cue_devices(show, venue)]
    return {**show_summary(show), "preroll": show.preroll, "cues": cues}


def cue_json(cue: Cue, devices: tuple[str, ...]) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": cue.id, "at": cue.at, "name": cue.name, "hold": cue.hold}
    for field, info in Cue.model_fields.items():
        value = getattr(cue, field)
        if field in entry or value == info.default:
            continue
        if isinstance(value, BaseModel):  # python mode: Seconds stay numbers
            value = value.model_dump(by_alias=True, exclude_none=True)
        elif isinstance(value, tuple) and value and isinstance(value[0], BaseModel):
            value = [v.model_dump(by_alias=True, exclude_none=True) for v in value]
        entry[info.alias or field] = value
    entry["devices"] = list(devices)
    return entry


@routes.get("/api/status")
async def status(request: web.Request) -> web.Response:
    return web.json_response(request.app[CONTROLLER].status())


@routes.get("/api/me")
async def me(request: web.Request) -> web.Response:
    """Who the page is logged in as, and the CSRF token its changes must carry."""
    identity = who(request)
    return web.json_response({"name": identity.name, "role": identity.role,
                              "csrf": identity.csrf})


@routes.get("/api/shows")
async def shows(request: web.Request) -> web.Response:
    library = request.app[CONTROLLER].config.shows
    return web.json_response([show_summary(s) for s in library.values()])


@routes.get("/api/shows/{id}")
async def show(request: web.Request) -> web.Response:
    config = request.app[CONTROLLER].config
    found = config.shows.get(request.match_info["id"])
    if found is None:
        raise NotFound(f"no show {request.match_info['id']!r}")
    return web.json_response(cue_sheet(found, config.venue))


@routes.post("/api/load")
@requires("operator")
async def load(request: web.Request) -> web.Response:
    name = (await _body(request, "show")).get("show")
    if not isinstance(name, str) or not name:
        raise BadArgument('load needs {"show": "<show id>"}')
    request.app[CONTROLLER].load(name, by=who(request).by)
    return _ok(request)


@routes.post("/api/seek")
@requires("operator")
async def seek(request: web.Request) -> web.Response:
    to = (await _body(request, "to")).get("to")
    if isinstance(to, bool) or not isinstance(to, int | float | str) or to == "":
        raise BadArgument('seek needs {"to": <seconds> or "<cue id>"}')
    if isinstance(to, float) and not math.isfinite(to):
        raise BadArgument("seek needs a finite time")
    request.app[CONTROLLER].seek(to, by=who(request).by)
    return _ok(request)


@routes.post("/api/transport/{action}")
@requires("operator")
async def transport(request: web.Request) -> web.Response:
    action = request.match_info["action"]
    if action not in TRANSPORT:
        raise NotFound(f"no transport command {action!r}: one of {', '.join(TRANSPORT)}")
    controller, by = request.app[CONTROLLER], who(request).by
    body = await _body(request, *(("fade",) if action == "stop" else ()))
    if action == "stop":
        fade = body.get("fade")
        if fade is not None and (isinstance(fade, bool) or not isinstance(fade, int | float)):
            raise BadArgument("fade must be a number of seconds")
        controller.stop(None if fade is None else float(fade), by=by)  # the core checks its range
    else:
        getattr(controller, action)(by=by)
    return _ok(request)


@routes.post("/api/cues/{id}/fire")
@requires("operator")
async def fire(request: web.Request) -> web.Response:
    request.app[CONTROLLER].fire(request.match_info["id"], by=who(request).by)
    return _ok(request)


@routes.post("/api/volume")
@requires("operator")
async def volume(request: web.Request) -> web.Response:
    """The room's master volume: `{"db": -6, "fade": 2}` (fade optional, seconds)."""
    body = await _body(request, "db", "fade")
    if "db" not in body:
        raise BadArgument('volume needs {"db": <dB, -80 to 12>} and optionally "fade"')
    request.app[CONTROLLER].set_volume(body["db"], body.get("fade", 0.0),
                                       by=who(request).by)  # the core checks the values
    return _ok(request)


@routes.get("/api/schedule")
async def schedule(request: web.Request) -> web.Response:
    return web.json_response(request.app[CONTROLLER].status().get("schedule"))


@routes.post("/api/schedule/{action:hold|release}")
@requires("operator")
async def schedule_hold(request: web.Request) -> web.Response:
    controller, by = request.app[CONTROLLER], who(request).by
    if request.match_info["action"] == "hold":
        controller.hold_schedule(by=by)
    else:
        controller.release_schedule(by=by)
    return _ok(request)


@routes.get("/api/history")
async def history(request: web.Request) -> web.Response:
    try:
        limit = int(request.query.get("limit", "50"))
    except ValueError:
        raise BadArgument("limit must be a whole number") from None
    if not 1 <= limit <= HISTORY_LIMIT:
        raise BadArgument(f"limit must be from 1 to {HISTORY_LIMIT}")
    source = request.app.get(HISTORY)
    if source is None:
        return web.json_response([])
    # in a thread: reading flushes what is queued first, and waits for the writer's
    # commit (fsync) under the same lock; on the loop that would hold every cue meanwhile
    return web.json_response(await asyncio.to_thread(source.recent, limit), dumps=_dumps)


def _dumps(value: Any) -> str:
    return json.dumps(value, default=str)
