"""The pages around the API: login and logout, the dashboard itself, /ws and /healthz."""

from __future__ import annotations

import asyncio
import html
import logging
from pathlib import Path

from aiohttp import WSMsgType, web

from showctl.web.api import CONTROLLER
from showctl.web.auth import SESSION_TTL, Identity, LoginLimiter
from showctl.web.gate import read_body
from showctl.web.live import Client, Hub
from showctl.web.security import ACCOUNTS, COOKIE, SESSIONS, json_error, same_origin

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
HUB = web.AppKey("hub", Hub)
LIMITER = web.AppKey("limiter", LoginLimiter)

routes = web.RouteTableDef()

WS_PER_SOURCE = 8
"""Live feeds (`/ws`) one source address may hold: a few tablets behind one NAT."""


def _login_page(message: str = "", status: int = 200) -> web.Response:
    text = (STATIC / "login.html").read_text()
    error = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    return web.Response(text=text.replace("<!--error-->", error), status=status,
                        content_type="text/html")


def _start_session(request: web.Request, identity: Identity, *, link: bool = False
                   ) -> web.Response:
    token, _ = request.app[SESSIONS].create(identity.name, identity.role, link=link)
    response = web.Response(status=303, headers={"Location": "/"})
    # Max-Age: the session outlives closing the browser, as long as the server keeps it
    response.set_cookie(COOKIE, token, httponly=True, samesite="Strict", path="/",
                        secure=request.secure, max_age=int(SESSION_TTL))
    log.info("dashboard login: %s (%s) from %s", identity.name, identity.role,
             request.remote)
    return response


@routes.get("/login")
async def login_form(request: web.Request) -> web.Response:
    if request.app[SESSIONS].get(request.cookies.get(COOKIE)) is not None:
        return web.Response(status=303, headers={"Location": "/"})  # already logged in
    return _login_page()


@routes.post("/login")
async def login(request: web.Request) -> web.StreamResponse:
    address = request.remote or "?"
    if not same_origin(request):
        return _login_page("This login did not come from this dashboard's page.", 403)
    try:
        form = await read_body(request, request.post)
    except ValueError:  # not UTF-8, not a form
        return _login_page("This login could not be read.", 400)
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    limiter = request.app[LIMITER]
    wait = limiter.begin(address, name)
    if wait > 0:
        page = _login_page(f"Too many failed logins: try again in {int(wait) + 1} s.", 429)
        page.headers["Retry-After"] = str(int(wait) + 1)
        log.warning("dashboard login refused for %r from %s: too many failures", name,
                    address)
        return page
    accounts = request.app[ACCOUNTS]
    identity = None
    try:  # scrypt takes ~50 ms and releases the GIL: keep it off the engine's loop
        identity = await asyncio.get_running_loop().run_in_executor(
            None, accounts.check_password, name, password
        )
    finally:
        limiter.finish(address, name, identity is not None)
    if identity is None:
        log.warning("dashboard login failed for %r from %s", name, address)
        return _login_page("Wrong name or password.", 401)
    return _start_session(request, identity)


@routes.get("/login/once/{token}")
async def login_once(request: web.Request) -> web.StreamResponse:
    """The demo's one-time link: logs in as an operator, and works only once."""
    role = request.app[ACCOUNTS].use_link(request.match_info["token"])
    if role is None:
        return _login_page("That one-time link was already used or is unknown.", 403)
    return _start_session(request, Identity("demo", role, "session"), link=True)


@routes.post("/logout")
async def logout(request: web.Request) -> web.StreamResponse:
    request.app[SESSIONS].drop(request.cookies.get(COOKIE))
    response = web.json_response({"ok": True})
    response.del_cookie(COOKIE, path="/")
    return response


@routes.get("/")
async def dashboard(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    try:
        state = request.app[CONTROLLER].state
    except Exception as exc:
        return json_error(503, f"engine not running: {exc}")
    return web.json_response({"ok": True, "state": state})


@routes.get("/ws")
async def websocket(request: web.Request) -> web.StreamResponse:
    hub, source = request.app[HUB], request.remote or "?"
    if hub.held_by(source) >= WS_PER_SOURCE:
        log.warning("dashboard: refused a live feed to %s: %d open from there already",
                    source, WS_PER_SOURCE)
        return json_error(429, f"{WS_PER_SOURCE} live feeds from {source} already: "
                          "close a dashboard tab")
    ws = web.WebSocketResponse(heartbeat=20.0, max_msg_size=4096)
    await ws.prepare(request)
    client = Client(ws, source)
    hub.add(client)
    try:
        async for message in ws:  # the page sends nothing we act on; read to see the close
            if message.type == WSMsgType.ERROR:
                break
    finally:
        hub.remove(client)
    return ws
