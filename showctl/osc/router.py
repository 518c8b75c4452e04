"""SPEC 3.1's address space in one table: address -> argument types -> Controller call.

Argument types are OSC's letters: `s` string, `f` number (an int is accepted: liblo
and many consoles send `i` for whole seconds), `i` integer; `?` marks an optional
trailing argument and `f|s` either. A route's handler returns the reply's `data`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from showctl.core.errors import BadArgument

if TYPE_CHECKING:
    from showctl.core.controller import Controller
    from showctl.osc.clients import Client, Clients


@dataclass(frozen=True, slots=True)
class Call:
    """One command being run: who sent it and what they asked."""

    controller: Controller
    clients: Clients
    client: Client
    args: tuple[Any, ...]
    by: str
    param: str | None = None  # the `{id}` of a pattern address


@dataclass(frozen=True, slots=True)
class Route:
    address: str
    types: tuple[str, ...]
    run: Callable[[Call], Any]
    once: bool = True  # a repeat within 100 ms from the same host is a double trigger
    before_connect: bool = False  # allowed before /showctl/connect


def _transport(method: str) -> Callable[[Call], Any]:
    def run(call: Call) -> str:
        getattr(call.controller, method)(by=call.by)
        return call.controller.state
    return run


def _load(c: Call) -> str:
    c.controller.load(c.args[0], by=c.by)
    return c.controller.state


def _start(c: Call) -> str:
    c.controller.start(c.args[0], by=c.by)
    return c.controller.state


def _stop(c: Call) -> str:
    c.controller.stop(c.args[0] if c.args else None, by=c.by)
    return c.controller.state


def _seek(c: Call) -> str:
    c.controller.seek(c.args[0], by=c.by)
    return c.controller.state


def _fire(c: Call) -> str:
    assert c.param is not None
    c.controller.fire(c.param, by=c.by)
    return c.param


def _hold(c: Call) -> dict[str, bool]:
    c.controller.hold_schedule(by=c.by)
    return {"held": c.controller.schedule_held}


def _release(c: Call) -> dict[str, bool]:
    c.controller.release_schedule(by=c.by)
    return {"held": c.controller.schedule_held}


def _status(c: Call) -> dict[str, Any]:
    return c.controller.status()


def _subscribe(c: Call) -> dict[str, bool]:
    on = bool(c.args[0]) if c.args else True
    c.clients.subscribe(c.client, on)
    return {"subscribed": on}


def _replyport(c: Call) -> dict[str, int]:
    port = c.args[0]
    if not 0 <= port <= 65535:
        raise BadArgument(f"reply port {port} is not between 1 and 65535 (0: the source port)")
    c.clients.set_reply_port(c.client, port or None)
    return {"replyport": port or c.client.port}


def _connect(c: Call) -> str:
    c.clients.connect(c.client, c.args[0])
    return "connected"


def _heartbeat(c: Call) -> str:
    c.controller.heartbeat(c.args[0])
    return c.args[0]


ROUTES: dict[str, Route] = {r.address: r for r in (
    Route("/showctl/load", ("s",), _load),
    Route("/showctl/start", ("s",), _start),
    Route("/showctl/go", (), _transport("go")),
    Route("/showctl/pause", (), _transport("pause")),
    Route("/showctl/resume", (), _transport("resume")),
    Route("/showctl/stop", ("f?",), _stop),
    Route("/showctl/panic", (), _transport("panic")),
    Route("/showctl/seek", ("f|s",), _seek),
    Route("/showctl/cue/{id}/fire", (), _fire),
    Route("/showctl/schedule/hold", (), _hold),
    Route("/showctl/schedule/release", (), _release),
    Route("/showctl/status", (), _status, once=False),
    Route("/showctl/subscribe", ("i?",), _subscribe, once=False),
    Route("/showctl/replyport", ("i",), _replyport, once=False),
    Route("/showctl/connect", ("s",), _connect, once=False, before_connect=True),
    # devices (media players) cannot be taught to connect first; a heartbeat changes no state
    Route("/showctl/heartbeat", ("s",), _heartbeat, once=False, before_connect=True),
)}
_CUE = re.compile(r"^/showctl/cue/([^/]+)/fire$")


def find(address: str) -> tuple[Route, str | None] | None:
    """The route for an address and the `{id}` it carries; None when unknown."""
    route = ROUTES.get(address)
    if route is not None:
        return route, None
    match = _CUE.match(address)
    return (ROUTES["/showctl/cue/{id}/fire"], match.group(1)) if match else None


_CHECKS = {
    "s": lambda v: isinstance(v, str),
    "i": lambda v: isinstance(v, int),
    "f": lambda v: isinstance(v, int | float) and not isinstance(v, bool) and v == v,
}
# per address: (required count, per argument the checks any of which must pass)
_SPECS = {address: (sum(1 for t in route.types if not t.endswith("?")),
                    tuple(tuple(_CHECKS[letter] for letter in t.rstrip("?").split("|"))
                          for t in route.types))
          for address, route in ROUTES.items()}


def check_args(route: Route, args: tuple[Any, ...]) -> None:
    """Raises BadArgument naming what the address expects."""
    required, checks = _SPECS[route.address]
    if not required <= len(args) <= len(checks):
        expects = " ".join(route.types) or "no arguments"
        raise BadArgument(f"{route.address} takes {expects}, got {len(args)} argument(s)")
    for n, (fits, value) in enumerate(zip(checks, args, strict=False)):
        if not any(fit(value) for fit in fits):
            spec = route.types[n].rstrip("?")
            raise BadArgument(f"{route.address} argument {n + 1} must be {spec},"
                              f" got {type(value).__name__} {value!r}")
