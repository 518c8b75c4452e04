"""A throwaway venue with users and API tokens, a real Controller and the dashboard app."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser, async_playwright

from showctl.core.clock import FakeClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.web import make_app
from showctl.web.auth import hash_password, token_hash
from tests.support import free_port, write_config

PASSWORDS = {"viewer": "look-only", "operator": "run-the-show", "admin": "root-of-all"}
TOKENS = {"operator": "tok-operator-7f3a", "viewer": "tok-viewer-91c2"}
_HASHES = {name: hash_password(pw) for name, pw in PASSWORDS.items()}


def web_section() -> dict:
    return {
        "listen": f"127.0.0.1:{free_port(socket.SOCK_STREAM)}",
        "users": [{"name": n, "role": n, "password_hash": h} for n, h in _HASHES.items()],
        "tokens": [
            {"name": f"{role}-bot", "role": role, "token_hash": token_hash(t)}
            for role, t in TOKENS.items()
        ],
    }


@pytest.fixture
def venue_path(tmp_path):
    return write_config(tmp_path, venue_extra={"web": web_section()})


@pytest.fixture
async def controller(venue_path):
    ctl = Controller(load_config(venue_path), FakeClock())
    yield ctl
    await ctl.close()


@pytest.fixture
async def client(aiohttp_client, controller):
    return await aiohttp_client(make_app(controller))


def origin(client) -> str:
    return f"http://{client.server.host}:{client.server.port}"


async def login(client, name: str) -> dict[str, str]:
    """Logs `name` in with a cookie; returns the headers its changes must carry."""
    res = await client.post(
        "/login", data={"name": name, "password": PASSWORDS[name]},
        headers={"Origin": origin(client)}, allow_redirects=False,
    )
    assert res.status == 303, await res.text()
    me = await (await client.get("/api/me")).json()
    return {"Origin": origin(client), "X-CSRF-Token": me["csrf"]}


def bearer(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    """Debian's chromium, launched once for the whole session (a launch costs ~1 s of the
    two shared cores); each test opens its own context. A test module using it runs on the
    session's loop: `pytestmark = pytest.mark.asyncio(loop_scope="session")`."""
    from tests.web.rig import CHROMIUM_ARGS  # rig imports this module

    async with async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path="/usr/bin/chromium",
                                            args=CHROMIUM_ARGS)
        yield launched
        await launched.close()
