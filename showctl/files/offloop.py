"""The files read in a worker process, so that a reload never holds the controller's loop.

A thread is not enough: pydantic validates a 10,000-cue show in one call that holds the
GIL for 0.15-0.35 s here, and the parser's Python code competes with the dispatcher for
it. One spawned worker (started with the service, so its imports are paid before any
reload) runs the pure `load_config` and sends the result back as a `_Parcel`: the shows'
cues in pickles of `CHUNK` cues, the rest in one small pickle. The loop unpickles the
parcel a slice of its time per turn (`SLICE`). One pickle of the whole result, unpickled
by the pool's own thread (as before), held the GIL against the dispatcher for 60-110 ms
and made cues 1-6 ms late. A worker that dies (a file too big for memory) is replaced at
the next reload.

The files a reload replaced are let go of a slice at a time too (`release`): the last
reference to a 10,000-cue show dropped at once frees its ~10^5 objects in one C call,
which held the loop 9-17 ms here (bench/reload.py, docs/benchmarks.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import multiprocessing
import os
import pickle
import signal
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path

from showctl.errors import CommandError
from showctl.files.loader import Config, LastGood, load_config
from showctl.model import Cue
from showctl.orphans import die_with_parent

SLICE = 0.0002
"""How long (s) unpacking or releasing files goes on in one turn of the loop: well
inside the dispatcher's early wake-up, so a cue due meanwhile still leaves on time."""
CHUNK = 20
"""Cues per pickle in a parcel: one unpickles in well under `SLICE` on this machine."""


@dataclass(frozen=True, slots=True)
class _Parcel:
    """A `Config` on its way from the worker: the config with its shows' cues left out,
    and each show's cues in small pickles, so the loop unpickles it a slice at a time."""

    bare: bytes
    cues: dict[str, list[bytes]]


def _read(path: Path, last_good: LastGood) -> _Parcel:
    """`load_config` in the worker, packed for the trip back."""
    config = load_config(path, last_good)
    cues = {show_id: [pickle.dumps(show.cues[n:n + CHUNK], pickle.HIGHEST_PROTOCOL)
                      for n in range(0, len(show.cues), CHUNK)]
            for show_id, show in config.shows.items()}
    bare = {show_id: show.model_copy(update={"cues": ()})
            for show_id, show in config.shows.items()}
    return _Parcel(pickle.dumps(replace(config, shows=bare), pickle.HIGHEST_PROTOCOL), cues)


async def _unpack(parcel: _Parcel) -> Config:
    """The parcel's config, unpickled on the loop a `SLICE` per turn."""
    config: Config = pickle.loads(parcel.bare)
    shows = {}
    until = time.perf_counter() + SLICE
    for show_id, bare in config.shows.items():
        cues: list[Cue] = []
        for chunk in parcel.cues[show_id]:
            cues.extend(pickle.loads(chunk))
            if time.perf_counter() >= until:
                await asyncio.sleep(0)
                until = time.perf_counter() + SLICE
        shows[show_id] = bare.model_copy(update={"cues": tuple(cues)})
    return replace(config, shows=shows)


def _ready() -> bool:
    return True


def _worker_setup(controller: int) -> None:
    """The worker yields the CPU to the controller (its parse can wait; cues cannot), and
    ends with it, even when the controller is killed by SIGKILL (Linux). A Ctrl-C at the
    terminal reaches the whole process group: the controller stops, then closes the pool;
    the worker ignores it (no KeyboardInterrupt traceback on the user's terminal)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.nice(19)
    die_with_parent(controller, signal.SIGKILL)


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: the worker's own setup ignores it
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class FileReader:
    """`Controller(reader=FileReader())`: `await reader(path, last_good)` is `load_config`."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> None:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_worker_setup,
                                             initargs=(os.getpid(),))
            # the worker imports showctl now, not at the reload; it is started with SIGINT
            # ignored (kept so across exec), as a Ctrl-C during those imports, before
            # `_worker_setup` runs, printed its KeyboardInterrupt traceback
            with _sigint_ignored():
                self._pool.submit(_ready)

    async def __call__(self, path: Path, last_good: LastGood) -> Config:
        self.start()
        assert self._pool is not None
        loop = asyncio.get_running_loop()
        collecting = gc.isenabled()
        gc.disable()  # unpickling the result makes ~10^5 objects: a full collection they
        # set off would hold the loop (and the cues) for 100+ ms
        try:
            parcel = await loop.run_in_executor(self._pool, _read, path, last_good)
            config = await _unpack(parcel)
            gc.freeze()  # the files in force are never scanned: they live until the next
            return config  # reload, and have no cycles for the collector to find
        except BrokenProcessPool:
            self.close()
            raise CommandError("the process reading the files ended (out of memory?): "
                               "the files in force stay") from None
        finally:
            if collecting:
                gc.enable()

    def close(self) -> None:
        """The worker is killed, not asked to stop: at nice 19 on a busy machine it waits
        seconds for the CPU to act on a polite stop, and the interpreter's exit joins the
        pool (a SIGTERM once took 8 s to end the controller with two CPU hogs beside it).
        It holds nothing a kill could lose: it only reads files."""
        if self._pool is not None:
            workers = dict(getattr(self._pool, "_processes", None) or {})  # no public API
            self._pool.shutdown(wait=False, cancel_futures=True)
            for process in workers.values():
                process.kill()
            self._pool = None


async def release(config: Config) -> None:
    """Lets go of `config`, which the caller hands over (and no longer holds), a slice
    of the loop's time per turn: its shows' cues one by one rather than all at once.
    What is still in force elsewhere (a previous show kept) is only unreferenced here."""
    shows = list(config.shows.values())
    del config
    parts: list[object] = []
    while shows:
        parts.extend(shows[-1].cues)  # the bulk of a show: its cues, kept alive here
        shows.pop()
    while parts:
        until = time.perf_counter() + SLICE
        while parts and time.perf_counter() < until:
            parts.pop()
        await asyncio.sleep(0)
