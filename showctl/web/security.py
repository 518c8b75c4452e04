"""The request gate: who is asking, may they, and is it really them (not another site).

Every request but the public ones needs a session cookie or a bearer token. Changes
made with a cookie must come from this origin (Origin, else Referer, matches Host) and
carry the session's CSRF token in `X-CSRF-Token`; bearer tokens are not sent by
browsers on their own, so they need neither. Errors under /api and /ws are JSON.
"""

from __future__ import annotations

import functools
import hmac
import logging
import socket
from collections.abc import Awaitable, Callable
from ipaddress import ip_address
from urllib.parse import urlsplit

from aiohttp import web

from showctl.core.errors import BadArgument, CommandError, Forbidden, NotFound
from showctl.files.errors import InvalidFiles
from showctl.web.auth import Accounts, Identity, Sessions

log = logging.getLogger(__name__)

COOKIE = "showctl_session"
PUBLIC = ("/healthz", "/login", "/metrics")  # /metrics checks its own token (metrics.py)
PUBLIC_UNDER = ("/static/", "/login/", "/media/agent/")  # agents: their own token
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

ACCOUNTS = web.AppKey("accounts", Accounts)
SESSIONS = web.AppKey("sessions", Sessions)
IDENTITY = web.RequestKey("identity", Identity)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


HEADERS = {
    # everything comes from this controller; nothing inline, nothing framed
    "Content-Security-Policy": "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: the browser-side hardening headers on every response."""
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)


def json_error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def same_origin(request: web.Request) -> bool:
    """Origin (or Referer when a browser sends no Origin) names this very host."""
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source or source == "null":
        return False
    parts = urlsplit(source)
    return parts.scheme == request.scheme and parts.netloc == request.host


def identify(request: web.Request) -> tuple[Identity | None, str]:
    """Who is asking, or None and why not.

    A bearer token (the scheme is case-insensitive, RFC 7235), else the session cookie.
    A session's role is the user's role in the current config (reloads apply at once);
    the session of a user no longer in it has ended.
    """
    scheme, _, credentials = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer":
        identity = request.app[ACCOUNTS].check_token(credentials.strip())
        return identity, "" if identity else "invalid token"
    sessions, token = request.app[SESSIONS], request.cookies.get(COOKIE)
    session = sessions.get(token)
    if session is None:
        return None, "not logged in"
    role = session.role if session.link else request.app[ACCOUNTS].role_of(session.name)
    if role is None:
        sessions.drop(token)
        log.info("dashboard session of %r ended: no longer a user in venue.yaml", session.name)
        return None, "not logged in"
    return Identity(session.name, role, "session", session.csrf), ""


def _is_public(path: str) -> bool:
    return path in PUBLIC or path.startswith(PUBLIC_UNDER)


def _wants_json(path: str) -> bool:
    return path.startswith("/api/") or path == "/ws"


# The web's words for the core's refusals: the class says what kind of refusal it is,
# this table says it in HTTP (the most specific class wins; any other refusal is 409).
HTTP_STATUS: dict[type[CommandError], int] = {
    NotFound: 404, BadArgument: 400, InvalidFiles: 400, Forbidden: 403,
}


def http_status(exc: CommandError) -> int:
    """The status code of a refusal: its nearest class in HTTP_STATUS, else 409 Conflict
    (the command does not fit the state the room is in)."""
    for cls in type(exc).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 409


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """CommandError → its status; HTTP errors under /api as JSON; never a traceback."""
    try:
        return await handler(request)
    except CommandError as exc:
        return json_error(http_status(exc), str(exc))
    except web.HTTPException as exc:
        if _wants_json(request.path) and exc.status >= 400:
            message = exc.text or exc.reason
            return json_error(exc.status, message.removeprefix(f"{exc.status}: "))
        raise
    except Exception:
        log.exception("%s %s failed", request.method, request.path)
        if _wants_json(request.path):
            return json_error(500, "internal error (see the controller's log)")
        raise web.HTTPInternalServerError(text="internal error") from None


def host_allowed(host: str, listen: str, names: tuple[str, ...]) -> bool:
    """Whether a request's `Host` names this dashboard (the port is not compared: a
    proxy may forward another). A page of another site whose name was re-pointed at this
    address (DNS rebinding) sends its own name; an IP literal cannot be re-pointed.

    Allowed: the names in `web.hosts`; an IP literal that is the listen address (any,
    when listening on every address); `localhost` when listening on loopback or every
    address; this machine's own name when listening beyond loopback.
    """
    try:
        name = urlsplit(f"//{host}").hostname
    except ValueError:
        return False
    if not name:
        return False
    name = name.rstrip(".")
    if name in (n.lower().rstrip(".") for n in names):
        return True
    wildcard = listen in ("", "0.0.0.0", "::")
    try:
        listen_ip = ip_address(listen) if not wildcard else None
    except ValueError:
        listen_ip = None  # a listen name: only that name (or web.hosts)
    loopback = listen == "localhost" or (listen_ip is not None and listen_ip.is_loopback)
    try:
        address = ip_address(name)
    except ValueError:
        if name == listen.lower() or (name == "localhost" and (loopback or wildcard)):
            return True
        if not loopback:
            own = socket.gethostname().lower()
            return name in (own, f"{own}.local", socket.getfqdn().lower())
        return False
    return wildcard or address == listen_ip or (loopback and address.is_loopback)


@web.middleware
async def host_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuses (400) a request whose Host header is not a name of this dashboard."""
    web_config = request.app[ACCOUNTS].web()
    host = request.headers.get("Host", "")
    if not host_allowed(host, web_config.listen[0], web_config.hosts):
        log.warning("refused a request for Host %r from %s: not a name of this dashboard "
                    "(add it to web.hosts)", host[:100], request.remote)
        message = "unknown Host: add this name to web.hosts in venue.yaml"
        if _wants_json(request.path):
            return json_error(400, message)
        return web.Response(status=400, text=message)
    return await handler(request)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if _is_public(request.path):
        return await handler(request)
    identity, why = identify(request)
    if identity is None:
        if _wants_json(request.path):
            response = json_error(401, why)
            if why == "invalid token":  # RFC 6750
                response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
            return response
        raise web.HTTPSeeOther("/login")
    if identity.via == "session":
        if request.path == "/ws" and not same_origin(request):
            return json_error(403, "cross-site WebSocket refused")
        if request.method not in SAFE_METHODS:
            if not same_origin(request):
                return json_error(403, "cross-site request refused (Origin does not match)")
            sent = request.headers.get("X-CSRF-Token", "").encode("utf-8", "surrogateescape")
            if not hmac.compare_digest(sent, identity.csrf.encode()):
                return json_error(403, "missing or wrong X-CSRF-Token")
    request[IDENTITY] = identity
    return await handler(request)


def requires(role: str) -> Callable[[Handler], Handler]:
    """Refuse with 403 unless the caller's role is at least `role`."""

    def wrap(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def checked(request: web.Request) -> web.StreamResponse:
            identity: Identity = request[IDENTITY]
            if not identity.can(role):
                return json_error(403, f"{identity.role} {identity.name!r} may not do this")
            return await handler(request)

        return checked

    return wrap


def who(request: web.Request) -> Identity:
    return request[IDENTITY]
