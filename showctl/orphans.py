"""Children that end with their parent, even when the parent is killed by SIGKILL or
the out-of-memory killer: Linux's parent-death signal (prctl PR_SET_PDEATHSIG).

A file worker left behind holds memory; an mpv left behind holds a screen and its IPC
socket, and the player restarted by systemd would start a second one beside it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal

PR_SET_PDEATHSIG = 1

try:  # loaded here, in the parent: a child between fork and exec must not load libraries
    _LIBC: ctypes.CDLL | None = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6",
                                            use_errno=True)
except OSError:
    _LIBC = None


def die_with_parent(parent: int, sig: int = signal.SIGTERM) -> None:
    """In the child of `parent` (its pid, read in the parent: a spawned worker may run
    this seconds after it started, on a busy machine, when the parent may be dead and the
    child reparented already): `sig` comes when the parent dies, and the child ends at
    once if the parent is gone already. A no-op off Linux."""
    if _LIBC is not None:
        _LIBC.prctl(PR_SET_PDEATHSIG, sig)
    if os.getppid() != parent:
        os._exit(0)
