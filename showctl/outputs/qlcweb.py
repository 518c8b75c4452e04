"""QLC+ through its web interface's WebSocket API (`qlcplus -w`, TCP 9999, `/qlcplusWS`):
the link that recalls a cue so that recalling it again changes nothing.

Why not OSC: QLC+'s OSC input reaches the Virtual Console, whose buttons toggle; a cue
fired twice, a stop onto the safe look already up or a PANIC pressed the button again
and turned the lights off. The WebSocket API starts a function explicitly instead.

Source: QLC+ 4.12.6, webaccess/src/webaccess.cpp (WebAccess::slotHandleWebSocketRequest,
"QLC+API" commands): `QLC+API|getFunctionsList` is answered
`QLC+API|getFunctionsList|<id>|<name>|...`; `QLC+API|setFunctionStatus|<id>|1` starts the
function only `if (!f->isRunning() && newStatus)` (and `|0` stops it only if running),
with no answer; every connected socket is told `FUNCTION|<id>|Running` / `Stopped`
(slotFunctionStarted/Stopped). The same commands as the Bitfocus Companion module
(github.com/bitfocus/companion-module-massimo-callegari-qlcplus, actions.js,
`setFunctionStatus`) and QLC+'s docs page "Web API" (docs.qlcplus.org/v4/advanced/
web-api).

A cue names a QLC+ function (its name, as QLC+'s function manager shows it). Recalling
one starts it, then stops the function this link recalled before (a cue replaces the
previous look, as a Solo Frame did), never the other way round: no dark gap between two
looks. The fade is the function's own (its fade in / fade out).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

import aiohttp

log = logging.getLogger(__name__)

PORT = 9999  # QLC+'s web interface (webaccess.cpp DEFAULT_PORT_NUMBER)
PATH = "/qlcplusWS"
BACKOFF = (0.5, 1.0, 2.0, 5.0)
MAX_WAITING = 64  # commands kept while the function list is not read yet
OnAnswer = Callable[[dict[str, Any]], None]


def recall(name: str) -> bytes:
    """What the `qlcplus` profile sends over the web API for a cue (the link's own)."""
    return f"recall|{name}".encode()


class QlcWebLink:
    """One WebSocket to QLC+, kept open (reconnected with a back-off). `send` takes
    `recall|<function name>` (what the profile encodes) or a raw API line; `poll_soon`
    asks the function list again (QLC+ may have loaded another workspace), and every
    answer goes to `on_answer`: that is what makes QLC+ online."""

    def __init__(self, host: str, port: int, on_answer: OnAnswer,
                 timeout: float = 3.0) -> None:
        self.host, self.port, self.on_answer, self.timeout = host, port, on_answer, timeout
        self.sent = self.dropped = 0
        self.functions: dict[str, int] = {}  # name -> id, from getFunctionsList
        self.recalled: int | None = None  # the function this link's last cue started
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._ready = False
        self._waiting: deque[str] = deque(maxlen=MAX_WAITING)
        self._out: asyncio.Queue[str] = asyncio.Queue(maxsize=1024)  # in order
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{PATH}"

    @property
    def connected(self) -> bool:
        return self._ws is not None and not self._ws.closed

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name=f"qlc+ {self.host}:{self.port}")

    async def _run(self) -> None:
        attempt = 0
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    ws = await session.ws_connect(
                        self.url, timeout=aiohttp.ClientWSTimeout(ws_close=1.0),
                        max_msg_size=1 << 20, autoping=True)
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    if attempt == 0:
                        log.warning("QLC+ %s:%s: cannot connect (%s); retrying", self.host,
                                    self.port, exc or "timeout")
                    await asyncio.sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
                    attempt += 1
                    continue
                attempt = 0
                self._ws, self._ready = ws, False
                self._out = asyncio.Queue(maxsize=1024)
                writer = asyncio.get_running_loop().create_task(self._writer(ws, self._out))
                try:
                    self._write("QLC+API|getFunctionsList")
                    async for message in ws:
                        if message.type is aiohttp.WSMsgType.TEXT:
                            self._text(message.data)
                        elif message.type is aiohttp.WSMsgType.ERROR:
                            break
                except (aiohttp.ClientError, OSError, ConnectionError):
                    pass
                finally:
                    self._ws, self._ready = None, False
                    writer.cancel()
                    await asyncio.shield(_close(ws))
                log.warning("QLC+ %s:%s: connection lost; reconnecting", self.host, self.port)
                await asyncio.sleep(BACKOFF[0])

    async def _writer(self, ws: aiohttp.ClientWebSocketResponse,
                      out: asyncio.Queue[str]) -> None:
        """Sends the lines in the order they were written (one coroutine: no reordering)."""
        try:
            while True:
                await ws.send_str(await out.get())
        except (aiohttp.ClientError, OSError, ConnectionError) as exc:
            log.debug("QLC+ %s:%s: write failed: %s", self.host, self.port, exc)

    def _text(self, text: str) -> None:
        fields = text.split("|")
        if fields[:2] == ["QLC+API", "getFunctionsList"]:
            pairs = fields[2:]
            self.functions = {pairs[i + 1]: int(pairs[i]) for i in range(0, len(pairs) - 1, 2)
                              if pairs[i].isdigit()}
            self._ready = True
            self.on_answer({"functions": len(self.functions)})
            while self._waiting:
                self._do(self._waiting.popleft())

    def send(self, data: bytes) -> None:
        line = data.decode("utf-8", "replace")
        if not self.connected:
            self.dropped += 1
            return
        if not self._ready:
            self._waiting.append(line)
            return
        self._do(line)

    def _do(self, line: str) -> None:
        verb, _, name = line.partition("|")
        if verb != "recall":
            self._write(line)  # a raw API line (the `osc:` escape hatch)
            return
        function = self.functions.get(name)
        if function is None:
            self.dropped += 1
            log.warning("QLC+ %s:%s has no function %r (it has %d): cue not recalled",
                        self.host, self.port, name, len(self.functions))
            return
        self._write(f"QLC+API|setFunctionStatus|{function}|1")  # a no-op if it runs
        previous, self.recalled = self.recalled, function
        if previous is not None and previous != function:
            self._write(f"QLC+API|setFunctionStatus|{previous}|0")

    def _write(self, line: str) -> None:
        ws = self._ws
        if ws is None or ws.closed:
            self.dropped += 1
            return
        try:
            self._out.put_nowait(line)
        except asyncio.QueueFull:  # QLC+ reads nothing: drop the connection, start again
            self.dropped += 1
            self._ws = None
            asyncio.get_running_loop().create_task(_close(ws))
            return
        self.sent += 1

    def poll_soon(self) -> None:
        """Asks the function list again (its answer: QLC+ is there)."""
        if self.connected:
            self._write("QLC+API|getFunctionsList")

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._ws = None


async def _close(ws: aiohttp.ClientWebSocketResponse) -> None:
    try:
        async with asyncio.timeout(1.0):
            await ws.close()
    except (TimeoutError, aiohttp.ClientError, OSError):
        pass

