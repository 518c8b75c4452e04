"""The player's media agent (SPEC 7.2): it keeps `--media DIR` holding exactly the files
the controller's manifest names for this PC's devices, each verified by content hash.

A process of its own (`python -m showctl.player.mediasync`, started by `showctl player
--media-token FILE`), niced and in the idle I/O class, so hashing and copying never take
the CPU or the disk from the mpv it sits beside, nor the GIL from the player's timetags.

Per device, forever:
1. fetch the manifest (a long poll: the controller answers at once when a sync is asked);
2. check every needed copy: present, and its hash the manifest's (a hash is re-computed
   only when the file's size, mtime or inode changed, like rsync's quick check,
   or for every file when the sync asks `verify`: bit rot keeps size and dates);
3. report (needed / verified / missing / wrong / bytes to go / free disk);
4. if a sync is asked: refuse at once, moving nothing, when the bytes to fetch exceed
   the free space; else fetch each missing or wrong file to `.NAME.HASH.part` beside it
   (a `Range` request continues a part left by an interrupted copy), throttled to the
   controller's limit, fsync, check its hash, rename over the old copy, fsync the folder.
   A half-copied file never has the name mpv opens.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from showctl.model.media import CHUNK, MediaReport, hash_file, new_hasher
from showctl.player.media import BadMedia, media_path

log = logging.getLogger("showctl.player.media")

POLL = 25.0
REPORT_EVERY = 0.5
RETRY = (1.0, 2.0, 5.0, 10.0)
STATE_DIR = ".showctl-media"
"""Under the media directory: the hash cache (the parts live beside their files, so the
rename stays on one file system)."""


class SyncError(Exception):
    """A file that could not be brought over (its hash, the network): reported."""


@dataclass
class Wanted:
    name: str
    size: int
    hash: str


def free_bytes(path: Path) -> int:
    """What an unprivileged writer may still write on `path`'s file system (statvfs)."""
    info = os.statvfs(path)
    return info.f_bavail * info.f_frsize


def part_path(target: Path, digest: str) -> Path:
    """Where `target` is copied to before it is verified: hidden, named by the hash wanted,
    so a changed library never resumes from another version's bytes."""
    return target.with_name(f".{target.name}.{digest[:16]}.part")


class HashCache:
    """Hashes known for (size, mtime_ns, inode) of each file, kept in a file (not ctime:
    a backup tool that restores dates changes it, and a re-hash of 50 GB follows)."""

    def __init__(self, root: Path) -> None:
        self.path = root / STATE_DIR / "hashes.json"
        self._entries: dict[str, list[Any]] = {}
        with contextlib.suppress(OSError, ValueError):
            loaded = json.loads(self.path.read_text())
            if isinstance(loaded, dict):
                self._entries = loaded

    @staticmethod
    def stamp(info: os.stat_result) -> list[int]:
        return [info.st_size, info.st_mtime_ns, info.st_ino, 0]

    def get(self, name: str, info: os.stat_result, algorithm: str) -> str | None:
        entry = self._entries.get(name)
        if entry and entry[:4] == self.stamp(info) and entry[4] == algorithm:
            return str(entry[5])
        return None

    def put(self, name: str, info: os.stat_result, algorithm: str, digest: str) -> None:
        self._entries[name] = [*self.stamp(info), algorithm, digest]

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._entries))
        os.replace(tmp, self.path)


class DeviceAgent:
    """One device's files: check, report, sync."""

    def __init__(self, session: aiohttp.ClientSession, base: str, device: str, token: str,
                 media: Path, locks: dict[Path, asyncio.Lock]) -> None:
        self.session, self.base, self.device = session, base.rstrip("/"), device
        self.headers = {"Authorization": f"Bearer {token}"}
        self.media = media
        self.cache = HashCache(media)
        self.locks = locks
        self.synced = 0
        self.limit: float | None = None
        self.files: dict[str, str] = {}
        self.wanted: list[Wanted] = []
        self.algorithm = "sha256"
        self.state = "checking"
        self.message: str | None = None
        self.moving: str | None = None
        self.moved = 0
        self.resumed = 0
        self._reported = 0.0

    def url(self, tail: str) -> str:
        return f"{self.base}/media/agent/{self.device}/{tail}"

    async def run(self) -> None:
        """Until cancelled; a controller away is waited for (growing pauses)."""
        failures, first = 0, True
        while True:
            try:
                manifest = await self._manifest(wait=None if first else self.synced)
                first = False
                failures = 0
                await self.step(manifest)
            except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
                pause = RETRY[min(failures, len(RETRY) - 1)]
                failures += 1
                if failures in (1, 10) or failures % 100 == 0:
                    log.warning("%s: media agent: %s (again in %g s)", self.device,
                                exc or type(exc).__name__, pause)
                await asyncio.sleep(pause)

    async def _manifest(self, wait: int | None) -> dict[str, Any]:
        query = {} if wait is None else {"wait": str(wait), "timeout": str(POLL)}
        async with self.session.get(self.url("manifest"), params=query, headers=self.headers,
                                    timeout=aiohttp.ClientTimeout(total=POLL + 15)) as res:
            if res.status != 200:
                raise ValueError(f"manifest: HTTP {res.status} {await res.text()}"[:300])
            data: dict[str, Any] = await res.json()
            return data

    async def step(self, manifest: dict[str, Any]) -> None:
        """One round: check against `manifest`, report, and sync if it asks."""
        self.algorithm = str(manifest["algorithm"])
        self.limit = manifest.get("limit")
        self.wanted = [Wanted(f["name"], int(f["size"]), str(f["hash"]))
                       for f in manifest["files"]]
        sync, verify = int(manifest.get("sync", 0)), bool(manifest.get("verify"))
        want_sync = sync > self.synced
        self.state, self.message = "checking", None
        await self.check(full=want_sync and verify)
        absent = manifest.get("absent") or []
        if absent:
            self.message = (f"{len(absent)} file(s) not in the controller's library: "
                            + ", ".join(absent[:3]))
        self.state = "idle"
        await self.report(force=True)
        if want_sync:
            await self.sync(sync)

    async def check(self, *, full: bool = False) -> None:
        """Every wanted copy's state: verified, missing or wrong (a hash in a thread)."""
        try:
            new_hasher(self.algorithm)
        except ValueError as exc:
            self.files = {w.name: "unknown" for w in self.wanted}
            self.state, self.message = "error", str(exc)
            return
        files = {}
        for wanted in self.wanted:
            files[wanted.name] = await asyncio.to_thread(self._check_one, wanted, full)
        self.files = files
        await asyncio.to_thread(self.cache.save)

    def _check_one(self, wanted: Wanted, full: bool) -> str:
        try:
            path = media_path(self.media, wanted.name)
            info = path.stat()
        except (BadMedia, OSError):
            return "missing"
        if info.st_size != wanted.size:
            return "wrong"
        digest = None if full else self.cache.get(wanted.name, info, self.algorithm)
        if digest is None:
            try:
                digest = hash_file(path, self.algorithm)
            except OSError:
                return "missing"
            self.cache.put(wanted.name, info, self.algorithm, digest)
        return "verified" if digest == wanted.hash else "wrong"

    def _to_move(self) -> list[Wanted]:
        return [w for w in self.wanted if self.files.get(w.name) in ("missing", "wrong")]

    def _bytes_to_go(self) -> int:
        total = 0
        for wanted in self._to_move():
            try:
                part = part_path(media_path(self.media, wanted.name), wanted.hash)
                kept = part.stat().st_size if part.is_file() else 0
            except (BadMedia, OSError):
                kept = 0
            total += max(0, wanted.size - min(kept, wanted.size))
        return total

    async def report(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._reported < REPORT_EVERY:
            return
        self._reported = now
        try:
            free: int | None = free_bytes(self.media)
        except OSError:
            free = None
        body = MediaReport(device=self.device, synced=self.synced, state=self.state,
                           message=self.message, files=self.files,
                           bytes_to_go=self._bytes_to_go(), free_bytes=free,
                           moving=self.moving, moved_bytes=self.moved,
                           resumed_from=self.resumed, algorithm=self.algorithm)
        try:
            async with self.session.post(self.url("report"), json=body.to_json(),
                                         headers=self.headers,
                                         timeout=aiohttp.ClientTimeout(total=10)) as res:
                if res.status == 200:
                    answer = await res.json()
                    self.limit = answer.get("limit")
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.debug("%s: report failed: %s", self.device, exc)

    async def sync(self, request: int) -> None:
        moving = self._to_move()
        need, free = self._bytes_to_go(), free_bytes(self.media)
        if need > free:
            self.state = "refused"
            self.message = (f"not enough disk: {need / 1e6:.1f} MB to fetch, "
                            f"{free / 1e6:.1f} MB free on {self.media}: nothing moved")
            log.error("%s: media sync refused: %s", self.device, self.message)
            self.synced = request
            await self.report(force=True)
            return
        self.state, failed = "syncing", []
        for wanted in moving:
            try:
                await self._fetch(wanted)
                self.files[wanted.name] = "verified"
            except (SyncError, aiohttp.ClientError, TimeoutError, OSError) as exc:
                failed.append(wanted.name)
                log.error("%s: %s: %s", self.device, wanted.name, exc)
                self.message = f"{wanted.name}: {exc}"
            self.moving, self.moved = None, 0
            await self.report(force=True)
        await asyncio.to_thread(self.cache.save)
        self.synced = request
        self.state = "error" if failed else "idle"
        if not failed:
            self.message = f"synced: {len(moving)} file(s) fetched" if moving else "up to date"
        await self.report(force=True)

    async def _fetch(self, wanted: Wanted) -> None:
        target = media_path(self.media, wanted.name)
        lock = self.locks.setdefault(target, asyncio.Lock())
        async with lock:  # two devices of one PC needing one file: one copy
            if await asyncio.to_thread(self._check_one, wanted, False) == "verified":
                return
            target.parent.mkdir(parents=True, exist_ok=True)
            part = part_path(target, wanted.hash)
            digest = await self._download(wanted, part)
            if digest != wanted.hash:
                part.unlink(missing_ok=True)
                raise SyncError(f"hash mismatch after transfer ({digest[:12]} is not "
                                f"{wanted.hash[:12]}): copy discarded, old file kept")
            await asyncio.to_thread(_install, part, target)
            self.cache.put(wanted.name, target.stat(), self.algorithm, digest)

    async def _download(self, wanted: Wanted, part: Path) -> str:
        kept = part.stat().st_size if part.is_file() else 0
        if kept > wanted.size:
            part.unlink()
            kept = 0
        hasher = new_hasher(self.algorithm)
        if kept:  # the part's bytes count towards the hash: read them again once
            await asyncio.to_thread(_hash_into, part, hasher)
        self.moving, self.moved, self.resumed = wanted.name, kept, kept
        if kept < wanted.size:
            headers = dict(self.headers)
            if kept:
                headers["Range"] = f"bytes={kept}-"
            async with self.session.get(self.url(f"file/{wanted.name}"), headers=headers,
                                        timeout=aiohttp.ClientTimeout(sock_read=60)) as res:
                if res.status == 200 and kept:
                    kept = 0  # the range was not honoured: the whole file came
                    hasher = new_hasher(self.algorithm)
                    self.moved = self.resumed = 0
                elif res.status not in (200, 206):
                    raise SyncError(f"HTTP {res.status}: {(await res.text())[:200]}")
                await self._receive(res, part, kept, hasher)
        return hasher.hexdigest()

    async def _receive(self, res: aiohttp.ClientResponse, part: Path, kept: int,
                       hasher: Any) -> None:
        start, got = time.monotonic(), 0
        with open(part, "r+b" if kept else "wb") as f:
            f.seek(kept)
            f.truncate()
            async for chunk in res.content.iter_chunked(CHUNK):
                f.write(chunk)
                hasher.update(chunk)
                got += len(chunk)
                self.moved += len(chunk)
                if self.limit:  # the bucket: never ahead of limit × elapsed
                    ahead = got / self.limit - (time.monotonic() - start)
                    if ahead > 0:
                        await asyncio.sleep(ahead)
                await self.report()
            f.flush()
            await asyncio.to_thread(os.fsync, f.fileno())


def _hash_into(path: Path, hasher: Any) -> None:
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            hasher.update(chunk)


def _install(part: Path, target: Path) -> None:
    """The verified part takes the name (atomic), and the folder's entry is made durable."""
    os.replace(part, target)
    fd = os.open(target.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def lower_priority(nice: int, ionice: str) -> None:
    """This process behind mpv: CPU niceness and the I/O class (util-linux `ionice`)."""
    if nice:
        with contextlib.suppress(OSError):
            os.nice(nice)
    klass = {"idle": "3", "best-effort": "2"}.get(ionice)
    if klass and shutil.which("ionice"):
        subprocess.run(["ionice", "-c", klass, "-p", str(os.getpid())], check=False,
                       capture_output=True)


async def serve(base: str, devices: list[str], token_for: dict[str, str], media: Path) -> None:
    locks: dict[Path, asyncio.Lock] = {}
    connector = aiohttp.TCPConnector(limit=2 * len(devices) + 2)
    async with aiohttp.ClientSession(connector=connector) as session:
        agents = [DeviceAgent(session, base, d, token_for[d], media, locks) for d in devices]
        await asyncio.gather(*(a.run() for a in agents))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m showctl.player.mediasync",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the controller's dashboard URL")
    parser.add_argument("--device", action="append", required=True, metavar="ID")
    parser.add_argument("--token-file", type=Path, required=True,
                        help="the device's token (one line), or lines 'ID TOKEN' for several")
    parser.add_argument("--media", type=Path, required=True)
    parser.add_argument("--nice", type=int, default=10)
    parser.add_argument("--ionice", default="idle", choices=("idle", "best-effort", "none"))
    parser.add_argument("--parent", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.parent:
        from showctl.orphans import die_with_parent
        die_with_parent(args.parent)
    try:
        tokens = read_tokens(args.token_file, args.device)
    except (OSError, ValueError) as exc:
        print(f"showctl: media agent: {exc}", file=sys.stderr)
        return 2
    args.media.mkdir(parents=True, exist_ok=True)
    lower_priority(args.nice, args.ionice)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.url, args.device, tokens, args.media.resolve()))
    return 0


def read_tokens(path: Path, devices: list[str]) -> dict[str, str]:
    """One token for one device, or `ID TOKEN` lines for several."""
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    if len(lines) == 1 and len(lines[0]) == 1 and len(devices) == 1:
        return {devices[0]: lines[0][0]}
    tokens = {parts[0]: parts[1] for parts in lines if len(parts) == 2}
    lacking = [d for d in devices if d not in tokens]
    if lacking:
        raise ValueError(f"{path} has no token for {', '.join(lacking)} (lines 'ID TOKEN'; "
                         "`showctl media token ID` prints one)")
    return tokens


if __name__ == "__main__":
    sys.exit(main())


async def start_agent(url: str, devices: list[str], token_file: Path, media: Path, *,
                      nice: int = 10, ionice: str = "idle") -> asyncio.subprocess.Process:
    """The agent as a child of `showctl player` (it ends with it: parent-death signal)."""
    argv = [sys.executable, "-m", "showctl.player.mediasync", "--url", url, "--token-file",
            str(token_file), "--media", str(media), "--nice", str(nice), "--ionice", ionice,
            "--parent", str(os.getpid())]
    for device in devices:
        argv += ["--device", device]
    return await asyncio.create_subprocess_exec(*argv)


async def stop_agent(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 5)
        except TimeoutError:
            process.kill()
            await process.wait()
