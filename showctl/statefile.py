"""Small JSON files in the state directory (run state, schedule hold, sessions), written
so that a crash mid-write leaves the old file whole: a temporary file, then a rename."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def write_json(path: Path, data: Any, *, mode: int = 0o644) -> None:
    """Replaces `path` with `data` as JSON atomically; OSError when it cannot."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as out:
        json.dump(data, out)
    os.replace(tmp, path)
