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

import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


def write_now(path: Path, data: Any, *, mode: int = 0o644) -> None:
    """Replaces `path` with `data` as JSON, durably; OSError when it cannot."""
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
