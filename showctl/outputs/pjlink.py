"""PJLink class 1 projectors (TCP 4352): power, input, shutter (AVMT) and status.

The protocol itself (greeting, MD5 authentication, command framing, ERR1-4) is
aiopjlink's; this module gives the controller and the power plan one small async API
with one exception type whose message a person can read, and a `ProjectorStatus` that
is plain data (status(), the dashboard, metrics). Every call opens its own connection
and closes it: projectors accept few connections and drop idle ones (PJLink 4.1: 30 s).

Source: PJLink Specifications Class 1, version 1.04 (JBMIA, https://pjlink.jbmia.or.jp/
english/), sections 4.1-4.8 (POWR, INPT, AVMT, ERST, LAMP) and 5 (authentication).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, TypeVar

from aiopjlink import PJLink
from aiopjlink.projector import (
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


class Projector:
    """One projector: `await Projector(host, password=...).status()`."""

    def __init__(self, host: str, port: int = PORT, password: str | None = None,
                 timeout: float = 4.0) -> None:
        self.host, self.port, self.password, self.timeout = host, port, password, timeout

    @property
    def label(self) -> str:
        return f"projector {self.host}:{self.port}"

    async def power_on(self) -> None:
        await self._run(lambda link: link.transmit_ok("POWR", "1"))

    async def power_off(self) -> None:
        await self._run(lambda link: link.transmit_ok("POWR", "0"))

    async def set_input(self, source: str) -> None:
        """`source` is PJLink's two characters: type (1 RGB, 2 video, 3 digital, 4
        storage, 5 network) and number, e.g. "31" for the first digital input."""
        if len(source) != 2 or source[0] not in "12345" or not source[1].isalnum():
            raise ValueError(f"input {source!r} is not a PJLink input such as '31'")
        await self._run(lambda link: link.transmit_ok("INPT", source))

    async def shutter(self, closed: bool) -> None:
        """Video mute (AVMT 11 / 10): black without losing the lamp's warm-up."""
        await self._run(lambda link: link.transmit_ok("AVMT", "11" if closed else "10"))

    async def power(self) -> Power:
        return await self._run(lambda link: _power(link))

    async def status(self) -> ProjectorStatus:
        return await self._run(_status)

    async def command(self, body: str, param: str) -> str:
        """Any class 1 command (`command("AVMT", "31")`); returns the projector's answer."""
        return await self._run(lambda link: link.transmit(body, param))

    async def _run(self, job: Callable[[_Link], Awaitable[T]]) -> T:
        try:
            async with asyncio.timeout(self.timeout * 3):
                async with PJLink(self.host, self.port, self.password,
                                  timeout=self.timeout) as pj:
                    return await job(_Link(pj))
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
    """aiopjlink's connection with the two calls we need, class 1 only."""

    def __init__(self, pj: PJLink) -> None:
        self.pj = pj

    async def transmit(self, body: str, param: str) -> str:
        answer: str = await self.pj.transmit(body, param, PJLink.C1)
        return answer

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
