"""How many connections the network faces may hold, so that no client can take the
file descriptors the controller needs for itself.

An HTTP slowloris of ~1,100 connections once exhausted the process's descriptors: the
watchdog went unpinged, run-state and history writes failed. So every accepted TCP
connection (dashboard, WebSocket, OSC/TCP) is admitted here first. The process's soft
`RLIMIT_NOFILE` is raised to its hard limit (the unit's `LimitNOFILE`), RESERVE
descriptors are kept for the controller's own files and sockets, and the rest is the
budget. Each source address may hold a bounded number of connections per face; when the
budget is full, a newcomer from a source holding fewer than the busiest one takes the
place of the busiest source's oldest connection, so a flood from a few addresses can
never lock a fresh operator out.
"""

from __future__ import annotations

import os
import resource
from collections import OrderedDict
from collections.abc import Callable

RESERVE = 128
"""Descriptors kept for the controller itself: history (SQLite and its WAL), state files,
the device sockets, the resolver's threads, logs, the executor's files."""
PER_SOURCE = {"http": 32, "osc": 8}
"""Connections one source address may hold per face (a tablet's browser opens ~6)."""
FACE_MAX = {"osc": 64}
"""Connections a face may hold in all (OSC/TCP integrators are few)."""
MAX_CONNECTIONS = 4096


def descriptor_budget() -> int:
    """Connections the faces may hold: the soft limit (raised to the hard one) minus the
    descriptors open now and RESERVE."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        target = hard if hard != resource.RLIM_INFINITY else MAX_CONNECTIONS + RESERVE
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    try:
        in_use = len(os.listdir("/proc/self/fd"))
    except OSError:
        in_use = 64
    limit = MAX_CONNECTIONS if soft == resource.RLIM_INFINITY else soft
    return max(8, min(MAX_CONNECTIONS, limit - in_use - RESERVE))


Closer = Callable[[], None]


class ConnectionBudget:
    """Admits connections per face and source within the process's descriptor budget."""

    def __init__(self, total: int | None = None,
                 per_source: dict[str, int] | None = None) -> None:
        self.total = descriptor_budget() if total is None else total
        self.per_source = dict(PER_SOURCE if per_source is None else per_source)
        self.face_max = dict(FACE_MAX)
        self._faces: dict[str, int] = {}
        self._open: dict[tuple[str, str], OrderedDict[object, Closer]] = {}
        self.count = 0
        self.refused = 0
        self.evicted = 0

    def admit(self, face: str, host: str, key: object, close: Closer) -> str | None:
        """None when `key` (a connection) may stay, else why not. `close` is how to drop
        it later if a newcomer needs its place."""
        mine = self._open.setdefault((face, host), OrderedDict())
        if len(mine) >= self.per_source.get(face, 8):
            self.refused += 1
            return f"{len(mine)} {face} connections from {host} already (the most one " \
                   "address may hold)"
        face_full = self._faces.get(face, 0) >= self.face_max.get(face, self.total)
        if face_full and not self._evict_for(len(mine), face):
            self.refused += 1
            return f"all {self.face_max[face]} {face} connections in use"
        if self.count >= self.total and not self._evict_for(len(mine)):
            self.refused += 1
            return f"all {self.total} connections in use"
        mine[key] = close
        self.count += 1
        self._faces[face] = self._faces.get(face, 0) + 1
        return None

    def release(self, face: str, host: str, key: object) -> None:
        mine = self._open.get((face, host))
        if mine is not None and mine.pop(key, None) is not None:
            self.count -= 1
            self._faces[face] -= 1
            if not mine:
                del self._open[(face, host)]

    def held(self, face: str, host: str) -> int:
        return len(self._open.get((face, host), ()))

    def _evict_for(self, holding: int, face: str | None = None) -> bool:
        """Frees a place (of `face`, or any) by closing the oldest connection of the source
        holding the most, when it holds more than the newcomer's source would then."""
        candidates = [item for item in self._open.items() if face in (None, item[0][0])]
        busiest = max(candidates, key=lambda item: len(item[1]), default=None)
        if busiest is None or len(busiest[1]) <= holding + 1:
            return False
        (face, host), conns = busiest
        key, close = next(iter(conns.items()))
        self.release(face, host, key)
        self.evicted += 1
        close()
        return True


_shared: ConnectionBudget | None = None


def shared() -> ConnectionBudget:
    """The process's budget, shared by every face (made at first use)."""
    global _shared
    if _shared is None:
        _shared = ConnectionBudget()
    return _shared
