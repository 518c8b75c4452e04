"""Media on the players over HTTP (SPEC 7.2).

For people: `GET /api/media` (any role) and `POST /api/media/sync` (admin).
For the players' media agents, under `/media/agent/<device>/` with the device's own
token (`Authorization: Bearer <token>`, `showctl media token DEVICE` prints it), not a
dashboard login: the manifest (a long poll a sync request wakes), the files (aiohttp's
FileResponse: `Range` requests, so an interrupted copy resumes, sent with sendfile), and
the agent's report. An agent sees only its own device's files.
"""

from __future__ import annotations

import hmac
import logging
import re

from aiohttp import web
from pydantic import ValidationError

from showctl.core.errors import BadArgument, NotFound
from showctl.model.media import MediaReport
from showctl.web.api import CONTROLLER, _body, _json_object
from showctl.web.security import json_error, requires, who

log = logging.getLogger(__name__)  # warnings rate-limited by showctl.lograte

AGENT = "/media/agent/"
POLL_MAX = 30.0
routes = web.RouteTableDef()
_RANGE = re.compile(r"^bytes=(\d+)-")


@routes.get("/api/media")
async def media_status(request: web.Request) -> web.Response:
    player = request.query.get("player") or None
    return web.json_response(request.app[CONTROLLER].media_status(player))


@routes.post("/api/media/sync")
@requires("admin")
async def media_sync(request: web.Request) -> web.Response:
    body = await _body(request, "player", "verify")
    player, verify = body.get("player"), body.get("verify", False)
    if player is not None and not isinstance(player, str):
        raise BadArgument('"player" must be a device id')
    if not isinstance(verify, bool):
        raise BadArgument('"verify" must be true or false')
    asked = request.app[CONTROLLER].media_sync(player, verify=verify, by=who(request).by)
    return web.json_response({"ok": True, "requested": asked})


@routes.post("/api/pattern")
@requires("admin")
async def pattern(request: web.Request) -> web.Response:
    """A test pattern on the screens (SPEC 7.3): admins, and only while no show is loaded."""
    body = await _body(request, "kind", "screens")
    kind, screens = body.get("kind"), body.get("screens")
    if not isinstance(kind, str):
        raise BadArgument('"kind" must be grid, crosshatch, blend, bars or off')
    if screens is not None and not isinstance(screens, str | list):
        raise BadArgument('"screens" must be all, a group, or a list of screens')
    shown = request.app[CONTROLLER].pattern(kind, screens, by=who(request).by)
    return web.json_response({"ok": True, "screens": shown})


def _agent(request: web.Request) -> str:
    """The device a media agent speaks for, once its token is checked (401 otherwise)."""
    device = request.match_info["device"]
    book = request.app[CONTROLLER].media
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    try:
        good = book.token(device)
    except NotFound:
        good = ""
    if scheme.lower() != "bearer" or not good or not hmac.compare_digest(
            token.strip().encode(), good.encode()):
        request.app[CONTROLLER].count("media.refused")
        log.warning("media agent request for %r from %s: bad token",
                            device[:40], request.remote)
        raise web.HTTPUnauthorized(text="bad media token for this device",
                                   headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    return device


@routes.get(AGENT + "{device}/manifest")
async def manifest(request: web.Request) -> web.Response:
    device = _agent(request)
    book = request.app[CONTROLLER].media
    if "wait" in request.query:
        try:
            synced = int(request.query["wait"])
            timeout = min(POLL_MAX, float(request.query.get("timeout", POLL_MAX)))
        except ValueError:
            raise BadArgument("wait and timeout must be numbers") from None
        await book.wait(device, synced, max(0.0, timeout))
    return web.json_response(await book.manifest(device))


@routes.get(AGENT + "{device}/file/{name:.+}")
async def media_file(request: web.Request) -> web.StreamResponse:
    device = _agent(request)
    book = request.app[CONTROLLER].media
    path = book.file(device, request.match_info["name"])
    found = _RANGE.match(request.headers.get("Range", ""))
    book.served_range(device, int(found[1]) if found else 0)
    return web.FileResponse(path, chunk_size=1 << 20)


@routes.post(AGENT + "{device}/report")
async def report(request: web.Request) -> web.Response:
    device = _agent(request)
    data = await _json_object(request)
    try:
        parsed = MediaReport.model_validate(data)
    except ValidationError as exc:
        request.app[CONTROLLER].count("media.bad_report")
        return json_error(400, f"not a media report: {exc.errors()[0]['msg']}")
    if parsed.device != device:
        return json_error(400, f"the report is of {parsed.device!r}, sent as {device!r}")
    return web.json_response(request.app[CONTROLLER].media.report(parsed))
