"""Media on the players (SPEC 7.2): the venue's `media:` section, the content hash both
ends compute, the per-player token, and the report a player's media agent sends.

Both ends import this one module (the controller's core and the player, which never
imports the core), so the hash, the token and the report's JSON cannot drift apart.

Hash: BLAKE3 when the `blake3` package is installed (it hashes at several GB/s), else
SHA-256 (hashlib, everywhere). The controller names the algorithm in each manifest; a
player that cannot compute it says so instead of calling every file wrong.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from showctl.model.types import Frozen

_blake3: Any
try:  # pragma: no cover - which branch runs depends on the machine
    import blake3 as _blake3
except ImportError:  # pragma: no cover
    _blake3 = None

CHUNK = 1 << 20
"""Bytes read (and sent) at a time: large enough for full disk speed, small enough that a
bandwidth limit is smooth."""


class Hasher(Protocol):
    def update(self, data: bytes, /) -> object: ...
    def hexdigest(self) -> str: ...


def algorithms() -> tuple[str, ...]:
    """The hashes this machine can compute, best first."""
    return ("blake3", "sha256") if _blake3 is not None else ("sha256",)


ALGORITHM = algorithms()[0]
"""What this machine uses for its own library (the controller's manifests)."""


def new_hasher(algorithm: str = ALGORITHM) -> Hasher:
    """A fresh hasher; ValueError for an algorithm this machine cannot compute."""
    if algorithm == "blake3" and _blake3 is not None:
        made: Hasher = _blake3.blake3(max_threads=1)
        return made
    if algorithm == "sha256":
        return hashlib.sha256()
    raise ValueError(f"cannot compute {algorithm} here (install the blake3 package, or let "
                     "the controller use sha256)")


def hash_file(path: Path, algorithm: str = ALGORITHM,
              progress: Callable[[int], None] | None = None) -> str:
    """The file's content hash (hex), read in CHUNK pieces (blocking: run it in a thread)."""
    hasher = new_hasher(algorithm)
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            hasher.update(chunk)
            if progress is not None:
                progress(len(chunk))
    return hasher.hexdigest()


def player_token(key: bytes, device: str) -> str:
    """The media token of one player device: HMAC-SHA256 of its id under the controller's
    key. Each screen PC holds only its own token, so a stolen one gives only that
    screen's files; the controller keeps the key alone and needs no token list."""
    return hmac.new(key, f"showctl-media:{device}".encode(), hashlib.sha256).hexdigest()


def read_or_make_key(path: Path) -> bytes:
    """The controller's media key (32 random bytes, hex in a 0600 file), made on first use."""
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    text = os.urandom(32).hex()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: theirs counts
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")
        f.flush()
        os.fsync(f.fileno())
    return bytes.fromhex(text)


class MediaSettings(Frozen):
    """The venue's `media:` (SPEC 7.2): where the library is, how syncs behave."""

    root: Path = Field(default=Path("media"),
                       description="the controller's media library (relative to the venue file)")
    key_file: Path | None = Field(
        default=None, description="the key player tokens derive from (default: "
        "<state_dir>/media.key, made on first use)")
    limit: float | None = Field(default=None, gt=0,
                                description="MB/s each player pulls at most, any time")
    limit_during_show: float | None = Field(
        default=20.0, gt=0, description="MB/s each player pulls at most while a show runs "
        "(null: no limit)")
    nice: int = Field(default=10, ge=0, le=19, description="the media agent's CPU niceness")
    ionice: Literal["idle", "best-effort", "none"] = Field(
        default="idle", description="the media agent's I/O class (Linux ioprio)")


def media_root(venue_source: Path | None, settings: MediaSettings) -> Path:
    """The library: `root` as written, relative to the venue file's folder."""
    if settings.root.is_absolute() or venue_source is None:
        return settings.root
    return venue_source.parent / settings.root


AgentState = Literal["idle", "checking", "syncing", "refused", "error"]
FileState = Literal["verified", "missing", "wrong", "unknown"]


class MediaReport(BaseModel):
    """What a player's media agent reports (POST to the controller after every check and
    during a sync): the one JSON both ends read. Unknown keys are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    device: str = Field(min_length=1)
    generation: int = Field(default=0, description="the manifest generation checked")
    synced: int = Field(default=0, description="the last sync request done (or refused)")
    state: AgentState = "idle"
    message: str | None = None
    files: dict[str, FileState] = Field(default_factory=dict)
    bytes_to_go: int = 0
    free_bytes: int | None = None
    moving: str | None = Field(default=None, description="the file being transferred")
    moved_bytes: int = 0
    resumed_from: int = Field(default=0, description="bytes kept from an interrupted copy")
    algorithm: str = "sha256"

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
