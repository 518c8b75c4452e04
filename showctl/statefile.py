"""Small JSON files in the state directory (run state, schedule hold, sessions, volume,
the last good files), written so that a crash or a power cut at any instant leaves the
old file or the new one, whole: a temporary file, fsync, rename, fsync of the folder.

The fsyncs take milliseconds (more on an SD card), too long for the loop that times the
cues, so once the service has called `start_writer()` every `write_json` from the loop
is handed to one writer thread: the newest data for each file wins, writes of one file
keep their order, and `stop_writer()` writes what is left before the process exits.
Without a writer (tests, tools) a write happens at once, in the caller.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

_failing: dict[str, str] = {}  # file -> why its last write failed (cleared by a success)
_failing_lock = threading.Lock()
_listeners: list[Callable[[dict[str, str]], object]] = []


def on_failures(listener: Callable[[dict[str, str]], object]) -> Callable[[], None]:
    """`listener(failing)` whenever the set of files that cannot be written changes
    (from the writer thread: hop to the loop yourself); returns the unsubscribe."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None


def failing() -> dict[str, str]:
    """The state files whose last write failed, and why (a full disk, a read-only one)."""
    with _failing_lock:
        return dict(_failing)


def _record(path: Path, error: str | None) -> None:
    with _failing_lock:
        before = _failing.get(path.name)
        if error is None:
            _failing.pop(path.name, None)
        else:
            _failing[path.name] = error
        changed = before != error
        now = dict(_failing)
    if changed:
        for listener in list(_listeners):
            try:
                listener(now)
            except Exception:  # a listener's bug must not stop the writes
                log.exception("state file listener failed")


def write_now(path: Path, data: Any, *, mode: int = 0o644) -> None:
    """Replaces `path` with `data` as JSON, durably; OSError when it cannot (and the
    failure is kept in `failing()` until a write of that file succeeds)."""
    try:
        _write(path, data, mode)
    except OSError as exc:
        _record(path, exc.strerror or str(exc))
        with contextlib.suppress(OSError):
            path.with_suffix(".tmp").unlink()  # a full disk keeps no half-written file
        raise
    _record(path, None)


def _write(path: Path, data: Any, mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as out:
        json.dump(data, out)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(folder)  # the rename itself survives a power cut
    finally:
        os.close(folder)


class _Writer:
    """One thread writing the newest pending data of each file."""

    def __init__(self) -> None:
        self._pending: dict[Path, tuple[Any, int]] = {}
        self._lock = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="state-writer", daemon=True)
        self._thread.start()

    def put(self, path: Path, data: Any, mode: int) -> None:
        text = json.dumps(data)  # the caller's data as it is now, not when written
        with self._lock:
            self._pending[path] = (json.loads(text), mode)
            self._lock.notify()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._pending and not self._stopping:
                    self._lock.wait()
                if not self._pending:
                    return
                path = next(iter(self._pending))
                data, mode = self._pending.pop(path)
            try:
                write_now(path, data, mode=mode)
            except OSError as exc:
                log.error("cannot write %s: %s", path, exc)

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._lock.notify()
        self._thread.join(timeout=5.0)


_writer: _Writer | None = None


def start_writer() -> None:
    """From now on `write_json` hands its writes to a thread (the service)."""
    global _writer
    if _writer is None:
        _writer = _Writer()


def stop_writer() -> None:
    """Writes what is pending, then writes happen in the caller again."""
    global _writer
    writer, _writer = _writer, None
    if writer is not None:
        writer.stop()


def write_json(path: Path, data: Any, *, mode: int = 0o644) -> None:
    """Replaces `path` with `data` as JSON, durably: in the writer thread when the service
    runs one (a failure is logged there), else now (OSError when it cannot)."""
    if _writer is not None:
        _writer.put(path, data, mode)
    else:
        write_now(path, data, mode=mode)
