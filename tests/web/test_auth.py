"""Login, sessions, roles, API tokens and cross-site protection, over real HTTP."""

from __future__ import annotations

import asyncio
import logging
from http.cookies import SimpleCookie

import aiohttp
import yaml

from showctl.web import WebServer, make_app
from showctl.web.auth import (
    SESSION_TTL,
    Accounts,
    Sessions,
    hash_password,
    token_hash,
    verify_password,
)
from tests.web.conftest import PASSWORDS, bearer, login, origin


def test_password_hash_round_trip_and_format():
    stored = hash_password("s3cret")
    scheme, n, r, p, _salt, _hash = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert verify_password(stored, "s3cret")
    assert not verify_password(stored, "s3cret ")
    assert not verify_password("scrypt$garbage", "s3cret")
    assert not verify_password("md5$1$2$3$4$5", "s3cret")


async def test_healthz_needs_no_login(client):
    res = await client.get("/healthz")
    assert res.status == 200
    assert (await res.json()) == {"ok": True, "state": "idle"}


async def test_everything_else_needs_a_login(client):
    for path in ("/api/status", "/api/shows", "/api/schedule", "/api/history", "/api/me"):
        res = await client.get(path)
        assert res.status == 401, path
        assert (await res.json()) == {"error": "not logged in"}
    res = await client.get("/", allow_redirects=False)
    assert res.status == 303 and res.headers["Location"] == "/login"
    assert "<form" in await (await client.get("/login")).text()


async def test_login_sets_a_strict_httponly_cookie(client):
    res = await client.post(
        "/login", data={"name": "operator", "password": PASSWORDS["operator"]},
        headers={"Origin": origin(client)}, allow_redirects=False,
    )
    assert res.status == 303 and res.headers["Location"] == "/"
    cookie = SimpleCookie(res.headers["Set-Cookie"])["showctl_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/"
    assert cookie["max-age"] == str(int(SESSION_TTL))  # not a browser-session cookie
    me = await (await client.get("/api/me")).json()
    assert me["name"] == "operator" and me["role"] == "operator" and len(me["csrf"]) > 20
    assert "showctl" in await (await client.get("/")).text()
    res = await client.get("/login", allow_redirects=False)
    assert res.status == 303 and res.headers["Location"] == "/"


async def test_wrong_password_and_unknown_user_are_refused_alike(client):
    for name, password in (("operator", "nope"), ("nobody", "nope")):
        res = await client.post("/login", data={"name": name, "password": password},
                                headers={"Origin": origin(client)})
        assert res.status == 401
        assert "Wrong name or password" in await res.text()
    assert (await client.get("/api/status")).status == 401


async def test_failed_logins_are_rate_limited_per_address(client):
    for _ in range(5):
        res = await client.post("/login", data={"name": "admin", "password": "guess"},
                                headers={"Origin": origin(client)})
        assert res.status == 401
    res = await client.post("/login", data={"name": "admin", "password": PASSWORDS["admin"]},
                            headers={"Origin": origin(client)}, allow_redirects=False)
    assert res.status == 429
    assert int(res.headers["Retry-After"]) >= 1
    assert (await client.get("/api/status")).status == 401


async def test_an_unreadable_login_form_is_a_400(client):
    res = await client.post("/login", data=b"name=\xff&password=\xfe", headers={
        "Origin": origin(client), "Content-Type": "application/x-www-form-urlencoded"})
    assert res.status == 400 and "could not be read" in await res.text()


async def test_login_from_another_site_is_refused(client):
    res = await client.post("/login", data={"name": "operator", "password": PASSWORDS["operator"]},
                            headers={"Origin": "http://evil.example"}, allow_redirects=False)
    assert res.status == 403
    assert (await client.get("/api/status")).status == 401


async def test_cookie_changes_need_same_origin_and_csrf_token(client):
    headers = await login(client, "operator")
    no_csrf = await client.post("/api/schedule/hold", headers={"Origin": headers["Origin"]})
    assert no_csrf.status == 403 and "CSRF" in (await no_csrf.json())["error"]
    wrong = {**headers, "Origin": "http://evil.example"}
    assert (await client.post("/api/schedule/hold", headers=wrong)).status == 403
    no_origin = {"X-CSRF-Token": headers["X-CSRF-Token"]}
    assert (await client.post("/api/schedule/hold", headers=no_origin)).status == 403
    referer = {**no_origin, "Referer": f"{headers['Origin']}/"}
    assert (await client.post("/api/schedule/hold", headers=referer)).status == 200
    assert (await (await client.get("/api/schedule")).json())["held"] is True


async def raw_status(client, request: bytes) -> bytes:
    """The status line for bytes no well-behaved client would send."""
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    writer.write(request)
    line = await asyncio.wait_for(reader.readline(), 5)
    writer.close()
    return line


async def test_odd_header_values_are_refused_not_errors(client):
    headers = await login(client, "operator")
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/"))["showctl_session"]
    host = f"{client.server.host}:{client.server.port}".encode()
    token = b"GET /api/status HTTP/1.1\r\nHost: " + host + b"\r\nAuthorization: Bearer \xff\xfe"
    assert (await raw_status(client, token + b"\r\n\r\n")).startswith(b"HTTP/1.1 401")
    csrf = (b"POST /api/schedule/hold HTTP/1.1\r\nHost: " + host + b"\r\nOrigin: "
            + headers["Origin"].encode() + b"\r\nCookie: showctl_session="
            + cookie.value.encode() + b"\r\nX-CSRF-Token: \xc3\xa9\xff\r\n"
            + b"Content-Length: 0\r\n\r\n")
    assert (await raw_status(client, csrf)).startswith(b"HTTP/1.1 403")


async def test_viewer_sees_but_cannot_change(client):
    headers = await login(client, "viewer")
    assert (await client.get("/api/status")).status == 200
    for path, body in (("/api/load", {"show": "small"}), ("/api/transport/go", None),
                       ("/api/transport/panic", None), ("/api/seek", {"to": 1}),
                       ("/api/cues/1/fire", None), ("/api/schedule/hold", None)):
        res = await client.post(path, json=body, headers=headers)
        assert res.status == 403, path
        assert "viewer" in (await res.json())["error"]
    assert (await (await client.get("/api/status")).json())["state"] == "idle"


async def test_admin_may_do_what_an_operator_may(client):
    headers = await login(client, "admin")
    assert (await client.post("/api/load", json={"show": "small"}, headers=headers)).status == 200


async def test_bearer_tokens_for_integrations(client):
    res = await client.post("/api/load", json={"show": "small"}, headers=bearer("operator"))
    assert res.status == 200 and (await res.json())["status"]["state"] == "loaded"
    assert (await client.post("/api/transport/go", headers=bearer("viewer"))).status == 403
    assert (await client.get("/api/status", headers=bearer("viewer"))).status == 200
    bad = await client.get("/api/status", headers={"Authorization": "Bearer not-a-token"})
    assert bad.status == 401 and (await bad.json()) == {"error": "invalid token"}
    assert bad.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


async def test_the_bearer_scheme_is_case_insensitive(client):
    token = bearer("operator")["Authorization"].split()[1]
    for scheme in ("bearer", "BEARER", "bEaReR"):
        res = await client.get("/api/me", headers={"Authorization": f"{scheme} {token}"})
        assert res.status == 200, scheme
        assert (await res.json())["name"] == "operator-bot"


async def test_logout_ends_the_session(client):
    headers = await login(client, "operator")
    assert (await client.post("/logout", headers=headers)).status == 200
    assert (await client.get("/api/status")).status == 401


async def test_sessions_survive_a_restart_of_the_web_server(aiohttp_client, controller):
    first = await aiohttp_client(make_app(controller))
    await login(first, "operator")
    cookie = first.session.cookie_jar.filter_cookies(first.make_url("/"))["showctl_session"]
    saved = (controller.config.venue.state_dir / "web-sessions.json").read_text()
    assert cookie.value not in saved  # only its hash is kept
    second = await aiohttp_client(make_app(controller))
    res = await second.get("/api/me", cookies={"showctl_session": cookie.value})
    assert res.status == 200 and (await res.json())["name"] == "operator"


def test_sessions_expire(tmp_path):
    now = [1000.0]
    sessions = Sessions(tmp_path / "s.json", now=lambda: now[0])
    token, _ = sessions.create("alice", "operator")
    now[0] += SESSION_TTL - 1
    assert sessions.get(token).name == "alice"
    assert Sessions(tmp_path / "s.json", now=lambda: now[0]).get(token) is not None
    now[0] += 2
    assert sessions.get(token) is None
    assert Sessions(tmp_path / "s.json", now=lambda: now[0]).get(token) is None
    assert sessions.get("made-up") is None and sessions.get(None) is None


async def test_one_time_demo_link_logs_in_once(aiohttp_client, controller):
    accounts = Accounts(controller.config.venue.web)
    client = await aiohttp_client(make_app(controller, accounts=accounts))
    token = accounts.one_time_link()
    res = await client.get(f"/login/once/{token}", allow_redirects=False)
    assert res.status == 303
    assert (await (await client.get("/api/me")).json())["role"] == "operator"
    client.session.cookie_jar.clear()
    assert (await client.get(f"/login/once/{token}", allow_redirects=False)).status == 403
    assert (await client.get("/api/me")).status == 401


async def test_users_and_tokens_follow_a_reload(client, controller, venue_path):
    """SIGHUP (controller.reload) applies web.users and web.tokens at the next request."""
    new_token = "tok-added-after-start"
    token = {"Authorization": f"Bearer {new_token}"}
    assert (await client.get("/api/status", headers=token)).status == 401
    await login(client, "operator")
    venue = yaml.safe_load(venue_path.read_text())
    venue["web"]["tokens"].append({"name": "added", "role": "operator",
                                   "token_hash": token_hash(new_token)})
    venue["web"]["users"] = [u for u in venue["web"]["users"] if u["name"] != "operator"]
    venue["web"]["users"].append({"name": "carol", "role": "viewer",
                                  "password_hash": hash_password("carol-password")})
    venue["web"]["users"] = [{**u, "role": "viewer"} if u["name"] == "admin" else u
                             for u in venue["web"]["users"]]
    venue_path.write_text(yaml.safe_dump(venue))
    assert await controller.reload() == []
    res = await client.post("/api/schedule/hold", headers=token)
    assert res.status == 200, await res.text()
    assert (await client.get("/api/me")).status == 401  # operator left: their session ended
    res = await client.post("/login", data={"name": "carol", "password": "carol-password"},
                            headers={"Origin": origin(client)}, allow_redirects=False)
    assert res.status == 303
    assert (await (await client.get("/api/me")).json())["role"] == "viewer"
    headers = await login(client, "admin")  # now a viewer: the current config's role
    res = await client.post("/api/schedule/release", headers=headers)
    assert res.status == 403


async def test_a_demo_link_session_survives_a_reload(aiohttp_client, controller):
    accounts = Accounts(lambda: controller.config.venue.web)
    client = await aiohttp_client(make_app(controller, accounts=accounts))
    await client.get(f"/login/once/{accounts.one_time_link()}", allow_redirects=False)
    assert await controller.reload() == []
    assert (await (await client.get("/api/me")).json())["role"] == "operator"


async def test_a_new_web_listen_is_logged_as_needing_a_restart(controller, venue_path, caplog):
    server = WebServer(controller)
    await server.start()
    try:
        venue = yaml.safe_load(venue_path.read_text())
        venue["web"]["listen"] = "127.0.0.1:1"
        venue_path.write_text(yaml.safe_dump(venue))
        with caplog.at_level(logging.WARNING, logger="showctl.web"):
            assert await controller.reload() == []
        host, port = server.url.removeprefix("http://").split(":")
        assert f"web.listen is now 127.0.0.1:1 in the venue file, but the dashboard stays " \
               f"on {host}:{port} until showctl restarts" in caplog.text
        async with aiohttp.ClientSession() as session, \
                session.get(f"{server.url}/healthz") as res:
            assert res.status == 200  # still served where it was
    finally:
        await server.stop()
