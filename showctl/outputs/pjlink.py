"""PJLink class 1 projectors (TCP 4352): power, input, shutter (AVMT) and status.

The protocol itself (greeting, MD5 authentication, command framing, ERR1-4) is
aiopjlink's; this module gives the controller and the power plan one small async API
with one exception type whose message a person can read, and a `ProjectorStatus` that
is plain data (status(), the dashboard, metrics). One connection is kept while commands
follow each other and closed after IDLE seconds without one (projectors accept few
connections and drop idle ones: PJLink 4.1, 30 s); one query at a time goes on it, and
a command waiting goes before the next query of a status poll, so a `black` never waits
behind a poll (at most behind the one answer already asked for).

Source: PJLink Specifications Class 1, version 1.04 (JBMIA, https://pjlink.jbmia.or.jp/
english/), sections 4.1-4.8 (POWR, INPT, AVMT, ERST, LAMP) and 5 (authentication).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, TypeVar

from aiopjlink import PJLink
from aiopjlink.projector import (
    PJLinkConnectionClosed,
    PJLinkERR1,
    PJLinkERR2,
    PJLinkERR3,
    PJLinkERR4,
    PJLinkException,
    PJLinkNoConnection,
    PJLinkPassword,
)

T = TypeVar("T")

PORT = 4352
Power = Literal["off", "on", "cooling", "warming"]
Level = Literal["ok", "warning", "error"]
ERROR_KINDS = ("fan", "lamp", "temperature", "cover", "filter", "other")
_POWER: dict[str, Power] = {"0": "off", "1": "on", "2": "cooling", "3": "warming"}
_LEVEL: dict[str, Level] = {"0": "ok", "1": "warning", "2": "error"}


class PjlinkError(Exception):
    """A projector that did not do what it was asked; the message says why in a line."""


class PjlinkAuthError(PjlinkError):
    """The password is missing or wrong (the projector answered `PJLINK ERRA`)."""


class PjlinkUnavailable(PjlinkError):
    """ERR3: not now (e.g. power on while cooling down, input while off)."""


@dataclass(frozen=True, slots=True)
class ProjectorStatus:
    """One answer to POWR/ERST/LAMP/INPT/AVMT; `None` where the projector cannot say
    (no lamp counter, input and shutter while off)."""

    power: Power
    errors: dict[str, Level] = field(default_factory=dict)
    lamp_hours: int | None = None
    lamps: tuple[tuple[int, bool], ...] = ()
    input: str | None = None
    shutter_closed: bool | None = None

    @property
    def faults(self) -> dict[str, Level]:
        """The error flags that are not ok (what a self-check reports)."""
        return {kind: level for kind, level in self.errors.items() if level != "ok"}

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["lamps"] = [{"hours": h, "on": on} for h, on in self.lamps]
        return data


IDLE = 20.0
"""Seconds without a query after which our connection is closed (the projector would
close it at 30 s: PJLink class 1, 4.1)."""


class _Turns:
    """One query at a time on the connection; a command waiting is served before any
    status query waiting (commands take precedence over polls)."""

    def __init__(self) -> None:
        self.busy = False
        self._commands: deque[asyncio.Future[None]] = deque()
        self._queries: deque[asyncio.Future[None]] = deque()

    async def acquire(self, command: bool) -> None:
        if not self.busy and not self._commands and (command or not self._queries):
            self.busy = True
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        line = self._commands if command else self._queries
        line.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self.release()  # it was ours already: hand it on
            else:
                line.remove(turn)
            raise

    def release(self) -> None:
        for line in (self._commands, self._queries):
            while line:
                turn = line.popleft()
                if not turn.done():
                    turn.set_result(None)  # busy stays True: it is the next one's
                    return
        self.busy = False


class Projector:
    """One projector: `await Projector(host, password=...).status()`."""

    def __init__(self, host: str, port: int = PORT, password: str | None = None,
                 timeout: float = 4.0, idle: float = IDLE) -> None:
        self.host, self.port, self.password, self.timeout = host, port, password, timeout
        self.idle = idle
        self.connects = 0  # connections opened (one per burst of commands, not per one)
        self._pj: PJLink | None = None
        self._turns = _Turns()
        self._idle: asyncio.TimerHandle | None = None

    @property
    def label(self) -> str:
        return f"projector {self.host}:{self.port}"

    async def power_on(self) -> None:
        await self._run(lambda link: link.transmit_ok("POWR", "1"), command=True)

    async def power_off(self) -> None:
        await self._run(lambda link: link.transmit_ok("POWR", "0"), command=True)

    async def set_input(self, source: str) -> None:
        """`source` is PJLink's two characters: type (1 RGB, 2 video, 3 digital, 4
        storage, 5 network) and number, e.g. "31" for the first digital input."""
        if len(source) != 2 or source[0] not in "12345" or not source[1].isalnum():
            raise ValueError(f"input {source!r} is not a PJLink input such as '31'")
        await self._run(lambda link: link.transmit_ok("INPT", source), command=True)

    async def shutter(self, closed: bool, mute: str = "3") -> None:
        """AV mute (AVMT 31 / 30; `mute` "1" video only, "2" audio only): black
        without losing the lamp's warm-up."""
        await self._run(lambda link: link.transmit_ok("AVMT", mute + ("1" if closed else "0")),
                        command=True)

    async def power(self) -> Power:
        return await self._run(lambda link: _power(link))

    async def status(self) -> ProjectorStatus:
        return await self._run(_status)

    async def command(self, body: str, param: str) -> str:
        """Any class 1 command (`command("AVMT", "31")`); returns the projector's answer."""
        return await self._run(lambda link: link.transmit(body, param), command=True)

    async def _transmit(self, body: str, param: str, command: bool) -> str:
        """One query on the kept connection (opened if need be), in its turn. A kept
        connection the projector closed meanwhile is opened again once: every class 1
        command we send (POWR, INPT, AVMT, queries) may be sent twice."""
        await self._turns.acquire(command)
        try:
            for attempt in (0, 1):
                fresh = self._pj is None
                pj = await self._open()
                try:
                    answer: str = await pj.transmit(body, param, PJLink.C1)
                    return answer
                except (PJLinkConnectionClosed, OSError, EOFError) as exc:
                    await self.close()
                    if fresh or attempt:
                        raise PJLinkConnectionClosed(str(exc) or "connection closed") \
                            from None
                except (PJLinkERR1, PJLinkERR2, PJLinkERR3, PJLinkERR4):
                    raise  # an answer: the connection is fine
                except BaseException:
                    await self.close()  # anything else: its state is unknown
                    raise
            raise AssertionError("unreachable")
        finally:
            self._turns.release()
            self._arm_idle()

    async def _open(self) -> PJLink:
        if self._pj is None:
            pj = PJLink(self.host, self.port, self.password, timeout=self.timeout)
            await pj.__aenter__()
            self._pj = pj
            self.connects += 1
        return self._pj

    def _arm_idle(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
        if self._pj is not None:
            loop = asyncio.get_running_loop()
            self._idle = loop.call_later(self.idle, lambda: loop.create_task(self._idle_close()))

    async def _idle_close(self) -> None:
        if not self._turns.busy:
            await self.close()

    async def close(self) -> None:
        """Closes the kept connection (the next query opens one)."""
        pj, self._pj = self._pj, None
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None
        if pj is not None:
            with contextlib.suppress(OSError, AttributeError):
                await pj.__aexit__(None, None, None)

    async def _run(self, job: Callable[[_Link], Awaitable[T]], command: bool = False) -> T:
        try:
            async with asyncio.timeout(self.timeout * 6):
                try:
                    return await job(_Link(self, command))
                except (PJLinkERR1, PJLinkERR2, PJLinkERR3, PJLinkERR4):
                    raise  # the projector answered: its connection is sound
                except BaseException:
                    await self.close()  # an answer of another shape, or none: start afresh
                    raise
        except PJLinkPassword as exc:
            why = "no password set for it" if self.password is None else "wrong password"
            raise PjlinkAuthError(f"{self.label}: authentication refused ({why}: {exc})") \
                from None
        except PJLinkERR3:
            raise PjlinkUnavailable(f"{self.label}: not possible in its current state "
                                    "(ERR3: warming up, cooling down or off?)") from None
        except PJLinkERR4:
            raise PjlinkError(f"{self.label}: projector failure (ERR4: a lamp, fan or "
                              "temperature fault: see its status)") from None
        except PJLinkNoConnection as exc:  # aiopjlink's "os timeout - [Errno 111] ..."
            raise PjlinkError(f"{self.label}: {self._no_connection(exc.__context__)}") \
                from None
        except (PJLinkERR1, PJLinkERR2) as exc:
            raise PjlinkError(f"{self.label}: command refused ({exc})") from None
        except PJLinkException as exc:
            if isinstance(exc.__context__, TimeoutError):  # e.g. no welcome message
                raise PjlinkError(f"{self.label}: timed out: no answer within "
                                  f"{self.timeout:g} s ({exc})") from None
            raise PjlinkError(f"{self.label}: {exc}") from None
        except TimeoutError:
            raise PjlinkError(f"{self.label}: timed out: no answer within "
                              f"{self.timeout:g} s") from None
        except OSError as exc:
            raise PjlinkError(f"{self.label}: {self._no_connection(exc)}") from None
        except asyncio.LimitOverrunError:
            raise PjlinkError(f"{self.label}: unreadable answer (a line longer than "
                              f"{LINE_LIMIT // 1024} KiB)") from None
        except (ValueError, IndexError, EOFError) as exc:
            # what aiopjlink lets through from a reply of any other shape: bytes that are
            # not UTF-8, a line too short to hold a header. The projector's fault: said in
            # a line, never an internal error of the sequence, the check or the poll
            raise PjlinkError(f"{self.label}: unreadable answer "
                              f"({_shown(str(exc))})") from None


    def _no_connection(self, cause: BaseException | None) -> str:
        """Why the connection failed, in the words an installer acts on: refused
        (something answers at that address, nothing listens on the port), timed out (no
        answer at all), or the system's own reason."""
        if isinstance(cause, ConnectionRefusedError):
            return (f"refused the connection: nothing listens on port {self.port} (PJLink "
                    "off in its network menu, or a wrong port or address?)")
        if isinstance(cause, TimeoutError) or cause is None:
            return (f"timed out: no answer within {self.timeout:g} s (unplugged, off "
                    "the network, or a wrong address?)")
        if isinstance(cause, OSError):
            return f"cannot connect: {(cause.strerror or str(cause)).lower()}"
        return f"cannot connect: {cause}"


LINE_LIMIT = 64 * 1024
"""asyncio's stream limit, which aiopjlink's readuntil keeps: a longer line is refused."""
SHOWN = 40


def _shown(raw: str) -> str:
    """A projector's answer as a message may quote it: escaped (repr: no control
    character reaches a log or a terminal) and at most SHOWN characters of it."""
    cut = raw[:SHOWN]
    return repr(cut) + (f" (+{len(raw) - SHOWN} characters)" if len(raw) > SHOWN else "")


class _Link:
    """The projector's kept connection with the two calls we need, class 1 only; each
    query takes its own turn (a command's before a poll's)."""

    def __init__(self, projector: Projector, command: bool) -> None:
        self.projector, self.command = projector, command

    async def transmit(self, body: str, param: str) -> str:
        return await self.projector._transmit(body, param, self.command)

    async def transmit_ok(self, body: str, param: str) -> None:
        answer = await self.transmit(body, param)
        if answer.upper() != "OK":
            raise PJLinkException(f"{body} {param} answered {_shown(answer)}, not OK")


async def _power(link: _Link) -> Power:
    raw = await link.transmit("POWR", "?")
    if raw not in _POWER:
        raise PJLinkException(f"unknown power state {_shown(raw)}")
    return _POWER[raw]


async def _status(link: _Link) -> ProjectorStatus:
    power = await _power(link)
    raw = await link.transmit("ERST", "?")
    if len(raw) != 6 or any(c not in _LEVEL for c in raw):
        raise PJLinkException(f"unreadable error status {_shown(raw)}")
    errors = {kind: _LEVEL[c] for kind, c in zip(ERROR_KINDS, raw, strict=True)}
    lamps: tuple[tuple[int, bool], ...] = ()
    try:
        numbers = (await link.transmit("LAMP", "?")).split()
        lamps = tuple((int(h), s == "1") for h, s in zip(numbers[::2], numbers[1::2],
                                                         strict=True))
    except (PJLinkERR1, PJLinkERR3, ValueError):
        pass  # no lamp (laser, LED) or not counted: hours unknown
    source = muted = None
    try:
        source = await link.transmit("INPT", "?")
        mute = await link.transmit("AVMT", "?")
        muted = mute in ("11", "31")
    except (PJLinkERR1, PJLinkERR3):
        pass  # off or warming: neither can be asked
    return ProjectorStatus(power, errors, max((h for h, _ in lamps), default=None), lamps,
                           source, muted)
