"""One mpv process per device, restarted when it dies, idle on black between shows.

mpv runs as a process of its own (not libmpv inside ours): a crash or a hung decoder
takes down one screen, not the player of the others, and its JSON IPC socket stays open
to a technician (`echo '{"command": ["get_property", "time-pos"]}' | socat - ID.sock`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import shutil
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from showctl.orphans import die_with_parent
from showctl.player.ipc import MpvError, MpvIpc

log = logging.getLogger(__name__)

BASE_ARGS = (
    "--idle=yes",                 # no file: stay up, showing the background (black)
    "--keep-open=yes",            # the end of a media holds its last frame until black/stop
    "--hr-seek=yes",              # every seek lands on the exact frame, not the keyframe
    "--pause",                    # nothing moves until a command says so
    "--no-config",                # the same mpv on every PC; venue options via --mpv-arg
    "--no-terminal",
    "--osd-level=0",
    "--no-osc",
    "--no-input-default-bindings",
    "--input-vo-keyboard=no",
    "--cursor-autohide=always",
    "--image-display-duration=inf",
)
KIND_ARGS = {
    "screen": ("--force-window=yes", "--aid=no"),   # black window when idle; sound is the
    "audio": ("--force-window=no", "--vid=no",      # audio device's (docs/player.md);
              "--volume-max=200"),                  # +12 dB, the loudest a cue may ask
}
MAX_UNIX_PATH = 107
RESTART_DELAYS = (0.1, 0.25, 0.5, 1.0)
"""Seconds before restarting a dead mpv, growing while it keeps dying within a minute, never
more than a second: a screen that is dark is dark in front of an audience (issue 21
measured 23 s with a 5 s back-off and a 10 s wait for a dead mpv's socket)."""
CONNECT_TIMEOUT = 5.0
"""Seconds a live mpv may take to open its IPC socket (a dead one is noticed at once)."""


class MpvProcess:
    """mpv for one device; `on_ready(ipc)` runs after every (re)start, once its IPC answers."""

    def __init__(self, device_id: str, kind: str, socket_path: Path, extra_args: Sequence[str],
                 on_ready: Callable[[MpvIpc], Awaitable[None]], ipc_factory: Callable[[], MpvIpc],
                 executable: str = "mpv", on_exit: Callable[[], None] | None = None) -> None:
        if len(str(socket_path)) > MAX_UNIX_PATH:
            raise ValueError(f"IPC socket path {socket_path} is longer than {MAX_UNIX_PATH} "
                             "characters (a Unix socket limit): choose a shorter --ipc-dir")
        found = shutil.which(executable)
        if found is None:
            raise ValueError(f"{executable} not found: install Debian's mpv (apt install mpv)")
        self.device_id, self.kind = device_id, kind
        self.socket_path = socket_path
        self.args = [found, *BASE_ARGS, *KIND_ARGS.get(kind, ()),
                     f"--input-ipc-server={socket_path}", *extra_args]
        self.on_ready, self.ipc_factory = on_ready, ipc_factory
        self.on_exit = on_exit or (lambda: None)  # `restarting` in the device's status
        self.ipc: MpvIpc | None = None
        self.process: asyncio.subprocess.Process | None = None
        self.restarts = 0
        self.ready = asyncio.Event()
        self._started = asyncio.Condition()
        self._watch: asyncio.Task[None] | None = None
        self._stopping = False

    async def start(self) -> None:
        """Starts mpv and returns once its IPC answers; then keeps it alive."""
        await self._spawn()
        self._watch = asyncio.get_running_loop().create_task(
            self._keep_alive(), name=f"mpv-{self.device_id}")

    async def _spawn(self) -> None:
        self.ready.clear()
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
        self.process = await asyncio.create_subprocess_exec(
            *self.args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            # a Ctrl-C at the terminal is the player's to handle; a killed player takes
            # its mpvs with it
            start_new_session=True, preexec_fn=functools.partial(die_with_parent, os.getpid()))
        ipc = self.ipc_factory()
        process = self.process
        try:
            await ipc.connect(self.socket_path, CONNECT_TIMEOUT,
                              alive=lambda: process.returncode is None)
        except MpvError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            raise
        self.ipc = ipc
        await self.on_ready(ipc)
        self.ready.set()

    async def _keep_alive(self) -> None:
        failures = 0
        loop = asyncio.get_running_loop()
        while not self._stopping:
            assert self.process is not None
            started = loop.time()
            code = await self.process.wait()
            if self.ipc is not None:
                await self.ipc.close()
            if self._stopping:
                return
            self.on_exit()
            failures = failures + 1 if loop.time() - started < 60 else 1
            delay = RESTART_DELAYS[min(failures, len(RESTART_DELAYS)) - 1]
            log.warning("%s: mpv exited (code %s); restarting in %.1f s", self.device_id,
                        code, delay)
            await asyncio.sleep(delay)
            try:
                await self._spawn()
                self.restarts += 1
                async with self._started:
                    self._started.notify_all()
            except (MpvError, OSError) as exc:
                # it died again while starting (or was killed for not answering): the
                # loop sees it end and backs off again, at most a second
                log.error("%s: mpv did not restart: %s", self.device_id, exc)

    async def restarted(self, count: int) -> None:
        """Returns once mpv has been restarted `count` times in all and its IPC answers:
        `ready` alone is still set in the moment between a death and its restart."""
        async with self._started:
            await self._started.wait_for(lambda: self.restarts >= count and self.ready.is_set())

    async def stop(self) -> None:
        self._stopping = True
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        if self.ipc is not None:
            with contextlib.suppress(MpvError):
                await self.ipc.command("quit", timeout=1.0)
            await self.ipc.close()
        if self.process is not None and self.process.returncode is None:
            try:
                await asyncio.wait_for(self.process.wait(), 2.0)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()
