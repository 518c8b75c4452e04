"""The room's day over HTTP (SPEC 6.3): power (admin) and the self-check (operator).

Each answers when the work is done (power waits through the projectors' warm-up), with
the report; progress meanwhile reaches the dashboard as `power` events."""

from __future__ import annotations

from aiohttp import web

from showctl.web.api import CONTROLLER, _body
from showctl.web.security import requires, who

routes = web.RouteTableDef()


@routes.get("/api/power")
async def power(request: web.Request) -> web.Response:
    return web.json_response(request.app[CONTROLLER].status()["power"])


@routes.post("/api/power/{action:on|off}")
@requires("admin")
async def power_switch(request: web.Request) -> web.Response:
    await _body(request)
    controller, by = request.app[CONTROLLER], who(request).by
    if request.match_info["action"] == "on":
        report = await controller.power_on(by=by)
    else:
        report = await controller.power_off(by=by)
    return web.json_response(report.as_json(), status=200 if report.ok else 502)


@routes.get("/api/check")
async def last_check(request: web.Request) -> web.Response:
    return web.json_response(request.app[CONTROLLER].status()["check"])


@routes.post("/api/check")
@requires("operator")
async def run_check(request: web.Request) -> web.Response:
    await _body(request)
    result = await request.app[CONTROLLER].check(by=who(request).by)
    return web.json_response(result.as_json())
