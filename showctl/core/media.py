"""Media on the players (SPEC 7.2), the controller's side: which files each player needs
(from the shows, through the same plan the engine plays), the library's content hashes,
what each player's media agent last reported, and the sync requests it waits for.

The players pull (docs/media.md says why): each media agent asks for its manifest (a
long poll that a sync request wakes), checks its copies, reports, and on a sync request
fetches the missing or wrong files over HTTP with range requests. This book is what the
faces read (`showctl media status`, `GET /api/media`, `/showctl/media/status`) and what
the web face's agent endpoints serve from.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from showctl.core.plan import compile_plan
from showctl.errors import NotFound
from showctl.files.loader import Config
from showctl.model.media import (
    ALGORITHM,
    MediaReport,
    hash_file,
    media_root,
    player_token,
    read_or_make_key,
)
from showctl.outputs.actions import Load, Play

log = logging.getLogger(__name__)

MB = 1_000_000
AGENT_GONE = 60.0
"""Seconds without a poll or a report after which a player's agent counts as absent."""


@dataclass(frozen=True, slots=True)
class LibraryFile:
    size: int
    hash: str
    stamp: tuple[int, int, int]  # size, mtime_ns, inode: unchanged means the hash holds


def needed_by_device(config: Config, shows: list[str] | None = None) -> dict[str, list[str]]:
    """Per player device, the media the shows (all, or those named) send it, in order."""
    needed: dict[str, dict[str, None]] = {d.id: {} for d in config.venue.players}
    for show_id, show in config.shows.items():
        if shows is not None and show_id not in shows:
            continue
        for planned in compile_plan(show, config.venue).cues:
            for action in planned.actions:
                if isinstance(action, Load | Play) and action.device in needed:
                    needed[action.device][action.media] = None
    return {device: list(names) for device, names in needed.items()}


class MediaBook:
    def __init__(self, config: Callable[[], Config], busy: Callable[[], bool],
                 wall: Callable[[], float]) -> None:
        self._config = config
        self._busy = busy
        self._wall = wall
        self._library: dict[str, LibraryFile] = {}
        self._hashing = asyncio.Lock()
        self._reports: dict[str, MediaReport] = {}
        self._reported_at: dict[str, float] = {}
        self._seen_at: dict[str, float] = {}
        self._requested: dict[str, int] = {}  # device -> the newest sync request number
        self._verify: dict[str, bool] = {}  # device -> that request asks for full re-hashing
        self._changed: asyncio.Condition | None = None
        self._closing = False
        self._key: bytes | None = None
        self.served: dict[str, dict[str, int]] = {}  # device -> requests, ranges, resumed_bytes
        self._needed: tuple[int, dict[str, list[str]]] | None = None
        self.listeners: list[Callable[[MediaReport], None]] = []
        """Called with every agent's report (the dashboard's hub, tests)."""

    # -- what is needed ------------------------------------------------------------------
    def needed(self) -> dict[str, list[str]]:
        config = self._config()
        if self._needed is None or self._needed[0] != id(config):
            self._needed = (id(config), needed_by_device(config))
        return self._needed[1]

    def root(self) -> Path:
        venue = self._config().venue
        return media_root(venue.source, venue.media)

    def limit(self) -> float | None:
        """Bytes per second each agent may pull now: the show's limit while one runs."""
        settings = self._config().venue.media
        limits = [x for x in (settings.limit,
                              settings.limit_during_show if self._busy() else None) if x]
        return min(limits) * MB if limits else None

    # -- tokens --------------------------------------------------------------------------
    def key(self) -> bytes:
        if self._key is None:
            venue = self._config().venue
            self._key = read_or_make_key(venue.media.key_file or Path(venue.state_dir)
                                         / "media.key")
        return self._key

    def token(self, device: str) -> str:
        self._player(device)
        return player_token(self.key(), device)

    def _player(self, device: str) -> None:
        if device not in self.needed():
            raise NotFound(f"no screen or audio device {device!r} in the venue")

    # -- the library ---------------------------------------------------------------------
    async def library(self, names: list[str]) -> dict[str, LibraryFile | None]:
        """The library's size and hash of each name (None: not in the library), hashed in
        a thread, once per change of the file (size, mtime, inode)."""
        root = self.root()
        async with self._hashing:
            found = await asyncio.to_thread(self._hash_all, root, names)
        return found

    def _hash_all(self, root: Path, names: list[str]) -> dict[str, LibraryFile | None]:
        out: dict[str, LibraryFile | None] = {}
        for name in names:
            path = root / name
            try:
                info = path.stat()
            except OSError:
                out[name] = None
                continue
            stamp = (info.st_size, info.st_mtime_ns, info.st_ino)
            known = self._library.get(name)
            if known is None or known.stamp != stamp:
                try:
                    known = LibraryFile(info.st_size, hash_file(path), stamp)
                except OSError as exc:
                    log.warning("media %s cannot be read: %s", path, exc)
                    out[name] = None
                    continue
                self._library[name] = known
            out[name] = known
        return out

    def file(self, device: str, name: str) -> Path:
        """The library file a player may fetch: only a name its shows need (NotFound)."""
        if name not in self.needed().get(device, ()):
            raise NotFound(f"{name!r} is not a media file of {device}")
        path = self.root() / name
        if not path.is_file():
            raise NotFound(f"{name!r} is not in the controller's media library")
        return path

    def served_range(self, device: str, start: int) -> None:
        counts = self.served.setdefault(device, {"requests": 0, "ranges": 0,
                                                 "resumed_bytes": 0})
        counts["requests"] += 1
        if start > 0:
            counts["ranges"] += 1
            counts["resumed_bytes"] += start

    # -- the agents ----------------------------------------------------------------------
    async def manifest(self, device: str) -> dict[str, Any]:
        self._player(device)
        self._seen_at[device] = self._wall()
        names = self.needed()[device]
        files = await self.library(names)
        return {
            "device": device,
            "algorithm": ALGORITHM,
            "files": [{"name": n, "size": f.size, "hash": f.hash}
                      for n, f in files.items() if f is not None],
            "absent": [n for n, f in files.items() if f is None],
            "sync": self._requested.get(device, 0),
            "verify": self._verify.get(device, False),
            "limit": self.limit(),
        }

    async def wait(self, device: str, synced: int, timeout: float) -> None:
        """A long poll: until a sync newer than `synced` is asked of `device`, or timeout."""
        self._player(device)
        self._seen_at[device] = self._wall()
        changed = self._condition()
        async with changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait_for(
                    lambda: self._closing or self._requested.get(device, 0) > synced), timeout)

    async def release(self) -> None:
        """Every long poll answers now (the web face is closing)."""
        self._closing = True
        changed = self._condition()
        async with changed:
            changed.notify_all()

    def report(self, report: MediaReport) -> dict[str, Any]:
        """An agent's report; the answer carries the limit now (a show may have started)."""
        self._player(report.device)
        now = self._wall()
        self._reports[report.device] = report
        self._reported_at[report.device] = self._seen_at[report.device] = now
        for listener in list(self.listeners):
            listener(report)
        return {"limit": self.limit(), "sync": self._requested.get(report.device, 0)}

    def request_sync(self, player: str | None = None, *, verify: bool = False) -> dict[str, int]:
        """Asks every player's agent (or one) to sync; returns each one's request number."""
        devices = list(self.needed())
        if player is not None:
            self._player(player)
            devices = [player]
        asked = {}
        for device in devices:
            self._requested[device] = asked[device] = self._requested.get(device, 0) + 1
            self._verify[device] = verify
        changed = self._condition()

        async def wake() -> None:
            async with changed:
                changed.notify_all()

        asyncio.get_running_loop().create_task(wake(), name="media-sync-wake")
        return asked

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed

    # -- what the faces show -------------------------------------------------------------
    def status(self, player: str | None = None) -> dict[str, Any]:
        """Per player: needed, verified, missing, wrong, bytes to go, free disk (SPEC 7.2).

        `ready`: a screen is ready when every file it needs is verified on it (a screen
        that needs none is ready); the sound devices are listed but do not decide it."""
        config = self._config()
        now = self._wall()
        needed = self.needed()
        if player is not None:
            self._player(player)
        rows = []
        for device in config.venue.players:
            if player is not None and device.id != player:
                continue
            names = needed.get(device.id, [])
            report = self._reports.get(device.id)
            states = report.files if report else {}
            verified = [n for n in names if states.get(n) == "verified"]
            missing = [n for n in names if states.get(n) == "missing"]
            wrong = [n for n in names if states.get(n) == "wrong"]
            unknown = [n for n in names if n not in verified + missing + wrong]
            seen = self._seen_at.get(device.id)
            agent = seen is not None and now - seen < AGENT_GONE
            rows.append({
                "device": device.id, "kind": device.kind,
                "needed": len(names), "verified": len(verified), "missing": missing,
                "wrong": wrong, "unknown": unknown,
                "bytes_to_go": report.bytes_to_go if report else None,
                "free_bytes": report.free_bytes if report else None,
                "state": (report.state if report else "no agent") if agent else "no agent",
                "message": report.message if report else None,
                "moving": report.moving if report else None,
                "moved_bytes": report.moved_bytes if report else 0,
                "synced": report.synced if report else 0,
                "requested": self._requested.get(device.id, 0),
                "reported_at": self._reported_at.get(device.id),
                "ready": len(verified) == len(names),
                "served": dict(self.served.get(device.id, {})),
            })
        screens = [r for r in rows if r["kind"] == "screen"]
        return {"algorithm": ALGORITHM, "library": str(self.root()), "limit": self.limit(),
                "ready": all(r["ready"] for r in screens), "players": rows}

    def unverified(self, device: str, names: set[str]) -> list[str] | None:
        """Today's files not verified on `device` by its agent's last report; None when
        no agent has ever reported (the player's own `missing` is all there is then)."""
        report = self._reports.get(device)
        if report is None:
            return None
        return sorted(n for n in names if report.files.get(n) != "verified")

