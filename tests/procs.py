"""Processes seen from outside, through /proc: what a user checks with `ps` after
stopping something (nothing it started is left behind)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path


def _stat(pid: int) -> tuple[int, str, str, int] | None:
    """(parent, state, command, start time) from /proc, None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    head, _, rest = text.rpartition(")")
    fields = rest.split()
    return int(fields[1]), fields[0], head.split("(", 1)[1], int(fields[19])


def descendants(root: int) -> dict[int, tuple[str, int]]:
    """Every process under `root`: pid -> (command, start time)."""
    stats = {int(p): s for p in os.listdir("/proc") if p.isdigit() and (s := _stat(int(p)))}
    found, todo = {}, [root]
    while todo:
        parent = todo.pop()
        for pid, (ppid, _state, comm, start) in stats.items():
            if ppid == parent and pid not in found:
                found[pid] = (comm, start)
                todo.append(pid)
    return found


def alive(pid: int, start: int) -> bool:
    """Still running: the same process (not a reused pid), not a zombie."""
    stat = _stat(pid)
    return stat is not None and stat[3] == start and stat[1] != "Z"


async def lingering(tree: dict[int, tuple[str, int]], grace: float = 15.0) -> dict[int, str]:
    """The processes of `tree` still running `grace` s after the script ended, waited on
    by pidfd (readable once it exits): a helper that ends on its own just after its
    parent (multiprocessing's resource tracker sees its pipe close) is not left behind;
    a player or an mpv nobody stopped is."""
    loop = asyncio.get_running_loop()
    left: dict[int, str] = {}
    for pid, (_comm, start) in tree.items():
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue
        try:
            if not alive(pid, start):
                continue
            ended = asyncio.Event()
            loop.add_reader(fd, ended.set)
            try:
                async with asyncio.timeout(grace):
                    await ended.wait()
            except TimeoutError:
                left[pid] = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            finally:
                loop.remove_reader(fd)
        finally:
            os.close(fd)
    return left
