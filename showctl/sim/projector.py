"""A PJLink class 1 projector on a TCP port, following the specification (version 1.04,
sections 2-5): what tests and `showctl simulate` talk to where a venue has projectors.

It greets with `PJLINK 0` (no password) or `PJLINK 1 <random>`; with a password the
first command must carry MD5(random + password) in front, else `PJLINK ERRA` and the
connection closes. Power on goes through warming (`POWR=3`) for `warm_up` seconds, off
through cooling (`POWR=2`); meanwhile a power command gets ERR3, and so do input and
shutter commands while the lamp is not on. Faults are set from outside (`fault`),
`hang()` makes it a projector that accepts connections and never answers, and `delay`
one that takes that long to answer each command (a slow projector: commands queue
behind what is being answered). It hangs up after 30 s without a command (4.1).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

ERROR_KINDS = ("fan", "lamp", "temperature", "cover", "filter", "other")
IDLE_CLOSE = 30.0  # seconds without a command before the projector hangs up (spec 4.1)
INPUTS = ("11", "31", "32")


class ProjectorSim:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, password: str | None = None,
                 warm_up: float = 1.0, cool_down: float = 1.0, name: str = "showctl-sim",
                 clock: Callable[[], float] = time.monotonic,
                 on_command: Callable[[str, str], None] | None = None) -> None:
        self.host, self.port, self.password = host, port, password
        self.warm_up, self.cool_down, self.name, self.clock = warm_up, cool_down, name, clock
        self.on_command = on_command  # (command, answer): what `showctl simulate` prints
        self._target = "0"
        self._since = -1e9
        self.input = "31"
        self.video_muted = False
        self.audio_muted = False
        self.lamp_hours = 1234
        self.errors = dict.fromkeys(ERROR_KINDS, "0")
        self.hung = False
        self.commands: list[str] = []  # every command line received, for tests
        self.auth_failures = 0
        self.connections = 0  # connections accepted, for tests
        self.delay = 0.0  # seconds before each answer
        self.idle_close = IDLE_CLOSE  # seconds without a command before it hangs up
        self._server: asyncio.Server | None = None
        self._conns: set[asyncio.Task[None]] = set()

    # -- state ------------------------------------------------------------------------
    @property
    def power(self) -> str:
        """PJLink's POWR answer: 0 off, 1 on, 2 cooling, 3 warming."""
        elapsed = self.clock() - self._since
        if self._target == "1":
            return "1" if elapsed >= self.warm_up else "3"
        return "0" if elapsed >= self.cool_down else "2"

    def fault(self, kind: str, level: int) -> None:
        """Raise (1 warning, 2 error) or clear (0) one ERST flag."""
        if kind not in self.errors or level not in (0, 1, 2):
            raise ValueError(f"no ERST flag {kind!r} level {level}")
        self.errors[kind] = str(level)

    def hang(self, hung: bool = True) -> None:
        self.hung = hung

    # -- server -----------------------------------------------------------------------
    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._conns):
            task.cancel()
        await asyncio.gather(*self._conns, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._conns.add(task)
        self.connections += 1
        try:
            await self._session(reader, writer)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError,
                TimeoutError):
            pass
        except asyncio.CancelledError:  # stop(): the session ends here. Re-raised, Python
            pass  # 3.11's stream server logs it as "Exception in callback" for each one
        finally:
            self._conns.discard(task)
            writer.close()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.hung:
            await reader.read()  # says nothing until the client gives up
            return
        token = secrets.token_hex(4) if self.password is not None else None
        writer.write(b"PJLINK 0\r" if token is None else f"PJLINK 1 {token}\r".encode())
        await writer.drain()
        first = True
        while True:
            line = (await asyncio.wait_for(reader.readuntil(b"\r"), self.idle_close))[:-1]
            text = line.decode("ascii", "replace")
            if first and token is not None and self.password is not None:
                digest = hashlib.md5((token + self.password).encode()).hexdigest()
                if not text.startswith(digest):
                    self.auth_failures += 1
                    writer.write(b"PJLINK ERRA\r")
                    await writer.drain()
                    return
                text = text[len(digest):]
            first = False
            if self.hung:
                await reader.read()
                return
            self.commands.append(text)
            if self.delay:
                await asyncio.sleep(self.delay)  # a slow projector, by its configuration
            answer = self._answer(text)
            if self.on_command is not None:
                self.on_command(text, answer)
            writer.write(answer.encode() + b"\r")
            await writer.drain()

    def _answer(self, text: str) -> str:
        """`%1BODY=answer` for one `%1BODY param` line (spec 2.2, 4)."""
        if len(text) < 7 or not text.startswith("%1") or text[6] != " ":
            return "%1" + (text[2:6] if len(text) >= 6 else "XXXX") + "=ERR1"
        body, param = text[2:6].upper(), text[7:]
        return f"%1{body}={self._do(body, param)}"

    def _do(self, body: str, param: str) -> str:
        power = self.power
        lit = power == "1"
        if body == "POWR":
            if param == "?":
                return power
            if param not in ("0", "1"):
                return "ERR2"
            if power in ("2", "3"):
                return "ERR3"  # busy warming or cooling
            if param != self._target:
                self._target, self._since = param, self.clock()
            return "OK"
        if body == "INPT":
            if not lit:
                return "ERR3"
            if param == "?":
                return self.input
            if param not in INPUTS:
                return "ERR2"
            self.input = param
            return "OK"
        if body == "AVMT":
            if not lit:
                return "ERR3"
            if param == "?":
                video, audio = self.video_muted, self.audio_muted
                return "31" if video and audio else "11" if video else "21" if audio else "30"
            if len(param) != 2 or param[0] not in "123" or param[1] not in "01":
                return "ERR2"
            if param[0] in "13":
                self.video_muted = param[1] == "1"
            if param[0] in "23":
                self.audio_muted = param[1] == "1"
            return "OK"
        queries: dict[str, Callable[[], str]] = {
                   "ERST": lambda: "".join(self.errors[k] for k in ERROR_KINDS),
                   "LAMP": lambda: f"{self.lamp_hours} {1 if lit else 0}",
                   "INST": lambda: " ".join(INPUTS), "NAME": lambda: self.name,
                   "INF1": lambda: "showctl", "INF2": lambda: "PJLink simulator",
                   "INFO": lambda: "", "CLSS": lambda: "1"}
        if body in queries:
            return queries[body]() if param == "?" else "ERR2"
        return "ERR1"
