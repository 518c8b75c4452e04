"""A real Mosquitto (Debian's `mosquitto`) on 127.0.0.1 with a config of the test's own:
a free port, no persistence, optionally a password file (made with mosquitto_passwd) and
an ACL. Started and killed like the building's broker would be; `kill()` is SIGKILL
(no goodbye to anyone), `start()` again reuses the same port."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import signal
import socket
from pathlib import Path

from tests.support import free_port

READY = b" running"


class Mosquitto:
    def __init__(self, root: Path, *, users: dict[str, str] | None = None,
                 acl: str | None = None, tls: tuple[Path, Path] | None = None) -> None:
        self.root = root / "mosquitto"
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = free_port(socket.SOCK_STREAM)
        self.proc: asyncio.subprocess.Process | None = None
        self.log: list[str] = []
        self._users, self._acl, self._tls = users, acl, tls
        self._reader: asyncio.Task[None] | None = None

    async def _config(self) -> Path:
        # as root it would become user `mosquitto`, who cannot read the test's files
        lines = [f"user {getpass.getuser()}",
                 f"listener {self.port} 127.0.0.1", "persistence false", "log_dest stderr",
                 "log_type error", "log_type warning", "log_type notice",
                 "log_type information"]
        if self._tls is not None:  # (certificate, key) of the listener
            lines += [f"certfile {self._tls[0]}", f"keyfile {self._tls[1]}"]
        if self._users:
            passwd = self.root / "passwd"
            passwd.write_text("")
            for user, password in self._users.items():
                proc = await asyncio.create_subprocess_exec(
                    "mosquitto_passwd", "-b", str(passwd), user, password)
                assert await proc.wait() == 0
            lines += ["allow_anonymous false", f"password_file {passwd}"]
        else:
            lines.append("allow_anonymous true")
        if self._acl is not None:
            (self.root / "acl").write_text(self._acl)
            lines.append(f"acl_file {self.root / 'acl'}")
        path = self.root / "mosquitto.conf"
        path.write_text("\n".join(lines) + "\n")
        return path

    async def start(self, timeout: float = 10.0) -> None:
        config = await self._config()
        self.proc = await asyncio.create_subprocess_exec(
            "mosquitto", "-c", str(config), stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE)
        assert self.proc.stderr is not None
        async with asyncio.timeout(timeout):  # its own word that it listens
            while True:
                line = await self.proc.stderr.readline()
                assert line, "mosquitto ended:\n" + "".join(self.log)
                self.log.append(line.decode(errors="replace"))
                if READY in line:
                    break
        self._reader = asyncio.ensure_future(self._read_on(self.proc.stderr))

    async def _read_on(self, stream: asyncio.StreamReader) -> None:
        while line := await stream.readline():
            self.log.append(line.decode(errors="replace"))

    async def kill(self) -> None:
        """SIGKILL: the broker vanishes mid-conversation."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGKILL)
        await self.proc.wait()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        self.proc = None

    async def stop(self) -> None:
        await self.kill()

    def said(self, text: str) -> bool:
        return any(text in line for line in self.log)
