"""Who is asking: password hashes, API tokens, sessions and the login rate limit.

Passwords are stored as `scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>` (hashlib.scrypt,
dklen 32) so no extra dependency is needed. Sessions live in a server-side table
(only sha256 of each cookie is kept) that is saved in the state directory, so an
operator's tablet stays logged in across a controller restart mid-show.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import os
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from showctl.model.venue import ApiToken, User, Web
from showctl.statefile import write_json

log = logging.getLogger(__name__)

ROLES = {"viewer": 0, "operator": 1, "admin": 2}
SCRYPT_N, SCRYPT_R, SCRYPT_P = 16384, 8, 1
SESSION_TTL = 12 * 3600.0
"""A working day at the venue: a tablet logged in at opening lasts until closing."""


def hash_password(password: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32
    )
    b64 = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(stored: str, password: str) -> bool:
    """False for a wrong password and for a malformed stored hash (logged)."""
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            raise ValueError(f"unknown scheme {scheme!r}")
        want = base64.b64decode(expected, validate=True)
        n_, r_, p_ = int(n), int(r), int(p)
        got = hashlib.scrypt(
            password.encode(), salt=base64.b64decode(salt, validate=True),
            n=n_, r=r_, p=p_, dklen=len(want), maxmem=256 * n_ * r_ + (1 << 20),
        )
    except ValueError as exc:
        log.error("a password hash in venue.yaml is malformed: %s", exc)
        return False
    return hmac.compare_digest(got, want)


def token_hash(token: str) -> str:
    """What venue.web.tokens[].token_hash holds for an API token."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True, slots=True)
class Identity:
    name: str
    role: str
    via: str  # "session" or "token": only sessions need the cross-site checks
    csrf: str = ""

    def can(self, role: str) -> bool:
        return ROLES[self.role] >= ROLES[role]

    @property
    def by(self) -> str:
        return f"web:{self.name}"


@dataclass(slots=True)
class Session:
    name: str
    role: str
    csrf: str
    expires: float
    link: bool = False  # made by a one-time link: not a user of the venue file


class Sessions:
    """Cookie token → session, kept as sha256(token) and saved to `path` when given."""

    def __init__(self, path: Path | None = None, now: Callable[[], float] = time.time) -> None:
        self._path = path
        self._now = now
        self._table: dict[str, Session] = {}
        self._load()

    def create(self, name: str, role: str, *, link: bool = False) -> tuple[str, Session]:
        token = secrets.token_urlsafe(32)
        session = Session(name, role, secrets.token_urlsafe(24), self._now() + SESSION_TTL,
                          link)
        self._table[token_hash(token)] = session
        self._save()
        return token, session

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        key = token_hash(token)
        session = self._table.get(key)
        if session is not None and session.expires < self._now():
            del self._table[key]
            self._save()
            return None
        return session

    def drop(self, token: str | None) -> None:
        if token and self._table.pop(token_hash(token), None) is not None:
            self._save()

    def _load(self) -> None:
        if self._path is None or not self._path.exists():
            return
        try:
            raw = json.loads(self._path.read_text())
            now = self._now()
            self._table = {
                k: Session(**v) for k, v in raw.items() if float(v["expires"]) > now
            }
        except (OSError, ValueError, TypeError, KeyError) as exc:
            log.warning("ignoring unreadable session file %s: %s", self._path, exc)

    def _save(self) -> None:
        if self._path is None:
            return
        try:  # readable by showctl alone: the hashes let a session be recognised
            write_json(self._path, {k: asdict(v) for k, v in self._table.items()}, mode=0o600)
        except OSError as exc:
            log.warning("cannot save sessions to %s: %s", self._path, exc)


class LoginLimiter:
    """Failed logins, per source address and per account, with backoff.

    A source with `limit` failures within `window` waits `backoff` seconds after its
    last failure, doubling with each further failure (up to `max_backoff`). An account
    with `account_limit` failures within `window` (from any number of sources) is under
    attack: from then on only sources with no recent failure may try it, so a spray from
    many addresses gets one guess per address while the operator, from a tablet that
    has not failed, still logs in with the right password. An attempt being checked
    counts as a failure until it is decided (`begin` reserves it, `finish` settles it),
    so concurrent requests cannot slip past the limit between the check and the verdict.

    Whatever the sources, at most `global_limit` passwords are checked per
    `global_window` (failures and attempts being checked, from every address together):
    40 addresses × 5 logins at once once got 200 guesses. During such a spray the
    operator's right password may wait up to a minute too; sessions and tokens are
    unaffected.
    """

    def __init__(
        self, limit: int = 5, window: float = 900.0, *, backoff: float = 30.0,
        max_backoff: float = 300.0, account_limit: int = 20, global_limit: int = 30,
        global_window: float = 60.0, now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit, self.window, self._now = limit, window, now
        self.backoff, self.max_backoff, self.account_limit = backoff, max_backoff, account_limit
        self._sources: dict[str, deque[float]] = {}
        self._accounts: dict[str, deque[float]] = {}
        self._pending: dict[str, int] = {}  # source -> attempts being checked
        self.global_limit, self.global_window = global_limit, global_window
        self._all: deque[float] = deque()  # every failure, from any source

    def _recent(self, table: dict[str, deque[float]], key: str) -> deque[float]:
        failures = table.get(key)
        if failures is None:
            return deque()
        cutoff = self._now() - self.window
        while failures and failures[0] <= cutoff:
            failures.popleft()
        if not failures:
            del table[key]
        return failures

    def retry_after(self, source: str, account: str = "") -> float:
        """Seconds until `source` may try `account` again; 0 when it may now."""
        now = self._now()
        spent = self._global(now)
        if spent:
            return spent
        failures = self._recent(self._sources, source)
        pending = self._pending.get(source, 0)
        if len(failures) + pending >= self.limit:
            if pending:
                return 1.0  # at the limit, one attempt at a time
            extra = len(failures) - self.limit
            left = float(failures[-1] + min(self.max_backoff, self.backoff * 2 ** extra) - now)
            if left > 0:
                return left
        attacked = account and len(self._recent(self._accounts, account)) >= self.account_limit
        if attacked and (failures or pending):
            return failures[0] + self.window - now if failures else 1.0
        return 0.0

    def _global(self, now: float) -> float:
        """Seconds until the whole controller may check one more password; 0: now."""
        while self._all and self._all[0] <= now - self.global_window:
            self._all.popleft()
        if len(self._all) + sum(self._pending.values()) < self.global_limit:
            return 0.0
        return self._all[0] + self.global_window - now if self._all else 1.0

    def begin(self, source: str, account: str) -> float:
        """0 and the attempt reserved, or the seconds to wait (nothing reserved)."""
        wait = self.retry_after(source, account)
        if wait <= 0:
            self._pending[source] = self._pending.get(source, 0) + 1
        return wait

    def finish(self, source: str, account: str, ok: bool) -> None:
        left = self._pending.get(source, 0) - 1
        if left > 0:
            self._pending[source] = left
        else:
            self._pending.pop(source, None)
        if ok:
            self._sources.pop(source, None)  # the operator is back: no backoff for them
            return
        now = self._now()
        self._all.append(now)
        for table, key in ((self._sources, source), (self._accounts, account)):
            table.setdefault(key, deque()).append(now)
            if len(table) > 10_000:  # bounded memory under a spray of addresses or names
                table.pop(next(iter(table)))

    def failed(self, source: str, account: str = "") -> None:
        """One failed attempt not reserved with `begin` (the same as begin + finish)."""
        self._pending[source] = self._pending.get(source, 0) + 1
        self.finish(source, account, ok=False)


class Accounts:
    """The venue's users and API tokens, and one-time demo login links.

    `web` is the venue's `web` section, or a function giving the current one: then users
    and tokens follow the controller's config after a reload (SIGHUP) at the next request.
    """

    def __init__(self, web: Web | Callable[[], Web]) -> None:
        self._source: Callable[[], Web] = (lambda: web) if isinstance(web, Web) else web
        self._seen: Web | None = None
        self._users: dict[str, User] = {}
        self._tokens: dict[str, ApiToken] = {}
        self._once: dict[str, str] = {}  # sha256(link token) -> role

    def _current(self) -> None:
        web = self._source()
        if web is not self._seen:  # a reload made a new config: index it once
            self._users = {u.name: u for u in web.users}
            self._tokens = {t.token_hash.lower(): t for t in web.tokens}
            self._seen = web

    def web(self) -> Web:
        """The venue's `web` section in force (listen address, host names, users)."""
        return self._source()

    def check_password(self, name: str, password: str) -> Identity | None:
        self._current()
        user = self._users.get(name)
        if user is None:
            verify_password(_DUMMY_HASH, password)  # same cost: do not reveal who exists
            return None
        if verify_password(user.password_hash, password):
            return Identity(user.name, user.role, "session")
        return None

    def check_token(self, token: str) -> Identity | None:
        self._current()
        entry = self._tokens.get(token_hash(token))
        return Identity(entry.name, entry.role, "token") if entry else None

    def role_of(self, name: str) -> str | None:
        """A user's role in the current config; None once they are no longer in it."""
        self._current()
        user = self._users.get(name)
        return user.role if user else None

    def one_time_link(self, role: str = "operator") -> str:
        token = secrets.token_urlsafe(24)
        self._once[token_hash(token)] = role
        return token

    def use_link(self, token: str) -> str | None:
        """The role of a one-time link, which is spent by this call."""
        return self._once.pop(token_hash(token), None)


_DUMMY_HASH = (
    "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
)
