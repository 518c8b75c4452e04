"""SPEC 3.1's address space in one table: address -> arguments -> Controller call.

Each argument is "types name": types are OSC's letters, checked against the type tags
the packet carries: `s` a string (`S` too), `f` a number (`i`, `h` and `d` too: liblo and
many consoles send `i` for whole seconds), `i` an integer (`h` too), `1/0` a switch (the
number 1 or 0 as `i`, `f` or `d`, or `T`/`F`); `?` marks an optional trailing argument and
`f|s` either. The count must match exactly: an argument too many is refused, never
ignored. A route's handler returns the reply's `data`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from showctl.core.errors import BadArgument
from showctl.model.player_status import PlayerStatus
from showctl.osc.clients import TIME
from showctl.osc.compact import compact_status

TIME_RATE = 5.0
"""Position pushes a second to `/showctl/subscribe/time` subscribers (a panel's display:
smooth enough to read, a few datagrams a second)."""

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
    admin: bool = False  # needs the admin role (osc.admin_passcode), as the web does


def _transport(method: str) -> Callable[[Call], Any]:
    def run(call: Call) -> str:
        getattr(call.controller, method)(by=call.by)
        return call.controller.state
    return run


def _offline_warning(c: Call, show: str | None) -> str:
    """`; warning: 2 devices of this show offline (screen3, screen7)`, or "": GO goes
    anyway, as on the dashboard's GO anyway, but the integrator is told."""
    missing = c.controller.offline_for(show) if show else []
    if not missing:
        return ""
    named = ", ".join(missing[:6]) + (", …" if len(missing) > 6 else "")
    return (f"; warning: {len(missing)} device{'s' if len(missing) > 1 else ''} of this "
            f"show offline ({named})")


def _go(c: Call) -> str:
    show = c.controller.show
    warning = _offline_warning(c, show.id) if show and c.controller.state == "loaded" else ""
    c.controller.go(by=c.by)
    return c.controller.state + warning


def _load(c: Call) -> str:
    c.controller.load(c.args[0], by=c.by)
    return c.controller.state


def _start(c: Call) -> str:
    c.controller.start(c.args[0], by=c.by)
    return c.controller.state + _offline_warning(c, c.args[0])


def _stop(c: Call) -> str:
    c.controller.stop(c.args[0] if c.args else None, by=c.by)
    return c.controller.state


def _seek(c: Call) -> dict[str, Any]:
    went = c.controller.seek(c.args[0], by=c.by)
    return {"state": c.controller.state, **went}


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


def _volume(c: Call) -> dict[str, Any]:
    c.controller.set_volume(c.args[0], c.args[1] if len(c.args) > 1 else 0.0, by=c.by)
    return {"db": c.controller.volume}


def _status(c: Call) -> dict[str, Any]:
    status = c.controller.status()
    return compact_status(status) if c.client.udp else status  # one datagram, unfragmented


def _subscribe(c: Call) -> dict[str, bool]:
    on = bool(c.args[0]) if c.args else True
    c.clients.subscribe(c.client, on)
    return {"subscribed": on}


def _subscribe_time(c: Call) -> dict[str, Any]:
    on = bool(c.args[0]) if c.args else True
    c.clients.subscribe(c.client, on, TIME)
    return {"subscribed": on, "rate": TIME_RATE}


def _replyport(c: Call) -> dict[str, int]:
    port = c.args[0]
    if not 0 <= port <= 65535:
        raise BadArgument(f"reply port {port} is not between 1 and 65535 (0: the source port)")
    c.clients.set_reply_port(c.client, port or None)
    return {"replyport": port or c.client.port}


def _connect(c: Call) -> str:
    c.clients.connect(c.client, c.args[0])
    return "connected as admin" if c.client.admin else "connected"


def _heartbeat(c: Call) -> str:
    device: str = c.args[0]
    c.controller.heartbeat(device, source=c.client.host)
    return device


def _player_status(c: Call) -> str:
    """A player's report: its JSON read by the shared model, then a heartbeat (the same
    checks of the sender as `/showctl/heartbeat`) and the controller's intake."""
    device: str = c.args[0]
    try:
        status = PlayerStatus.from_json(c.args[1])
    except ValueError as exc:
        c.controller.count("player.bad_status")
        raise BadArgument(str(exc)) from None
    if status.device != device:
        c.controller.count("player.bad_status")
        raise BadArgument(f"the status is of {status.device!r}, sent as {device!r}")
    c.controller.player_status(status, source=c.client.host)
    return device


async def _power_on(c: Call) -> dict[str, Any]:
    return (await c.controller.power_on(by=c.by)).as_json()


async def _power_off(c: Call) -> dict[str, Any]:
    return (await c.controller.power_off(by=c.by)).as_json()


async def _check(c: Call) -> dict[str, Any]:
    return (await c.controller.check(by=c.by)).as_json()


def _media_status(c: Call) -> dict[str, Any]:
    return c.controller.media_status(c.args[0] if c.args and c.args[0] else None)


def _media_sync(c: Call) -> dict[str, Any]:
    player = c.args[0] if c.args and c.args[0] else None
    verify = bool(c.args[1]) if len(c.args) > 1 else False
    return {"requested": c.controller.media_sync(player, verify=verify, by=c.by)}


ROUTES: dict[str, Route] = {r.address: r for r in (
    Route("/showctl/load", ("s show",), _load),
    Route("/showctl/start", ("s show",), _start),
    Route("/showctl/go", (), _go),
    Route("/showctl/pause", (), _transport("pause")),
    Route("/showctl/resume", (), _transport("resume")),
    Route("/showctl/stop", ("f? fade",), _stop),
    Route("/showctl/panic", (), _transport("panic")),
    Route("/showctl/seek", ("f|s seconds, cue id or time",), _seek),
    Route("/showctl/cue/{id}/fire", (), _fire),
    Route("/showctl/schedule/hold", (), _hold),
    Route("/showctl/schedule/release", (), _release),
    Route("/showctl/volume", ("f dB", "f? fade"), _volume),
    Route("/showctl/status", (), _status, once=False),
    # replied once done: power waits through the projectors' warm-up
    # the admin role (osc.admin_passcode): connected as admin, or the passcode given here
    # (over UDP, where a source host can be forged and tools change ports per packet)
    Route("/showctl/power/on", ("s? admin passcode",), _power_on, admin=True),
    Route("/showctl/power/off", ("s? admin passcode",), _power_off, admin=True),
    Route("/showctl/check", (), _check),
    Route("/showctl/media/status", ("s? player",), _media_status, once=False),
    Route("/showctl/media/sync", ("s? player", "1/0? verify"), _media_sync),
    Route("/showctl/subscribe", ("1/0? on",), _subscribe, once=False),
    Route("/showctl/subscribe/time", ("1/0? on",), _subscribe_time, once=False),
    # before connect too: where the "not connected" error goes must be settable first
    Route("/showctl/replyport", ("i port",), _replyport, once=False, before_connect=True),
    Route("/showctl/connect", ("s passcode",), _connect, once=False, before_connect=True),
    # devices (media players) cannot be taught to connect first; a heartbeat changes no state
    Route("/showctl/heartbeat", ("s device id",), _heartbeat, once=False,
          before_connect=True),
    Route("/showctl/player/status", ("s device id", "s JSON"), _player_status, once=False,
          before_connect=True),
)}
_CUE = re.compile(r"^/showctl/cue/([^/]+)/fire$")


def find(address: str) -> tuple[Route, str | None] | None:
    """The route for an address and the `{id}` it carries; None when unknown."""
    route = ROUTES.get(address)
    if route is not None:
        return route, None
    match = _CUE.match(address)
    return (ROUTES["/showctl/cue/{id}/fire"], match.group(1)) if match else None


# a route's letter -> the type tags it accepts, and a check of the value when needed
_ACCEPTS: dict[str, tuple[str, Callable[[Any], bool] | None]] = {
    "s": ("sS", None),
    "f": ("fdih", lambda v: v == v),  # not NaN
    "i": ("ih", None),
    "1/0": ("ifdhTF", lambda v: v in (0, 1)),
}
_WORDS = {"s": "s (a string)", "f": "f (a number)", "i": "i (an integer)",
          "1/0": "1 or 0 (i, f or T/F)"}


@dataclass(frozen=True, slots=True)
class _Spec:
    required: int
    usage: str  # as docs/osc.md writes it: "s show", "[f fade]"
    args: tuple[tuple[str, str], ...]  # per argument: (its letters, what it is)


def _spec(route: Route) -> _Spec:
    args, usage = [], []
    for text in route.types:
        letters, name = text.split(" ", 1)
        optional = letters.endswith("?")
        letters = letters.rstrip("?")
        args.append((letters, name))
        shown = f"{letters.replace('|', ' or ')} {name}"
        usage.append(f"[{shown}]" if optional else shown)
    required = sum(1 for t in route.types if "?" not in t.split(" ", 1)[0])
    return _Spec(required, " ".join(usage), tuple(args))


_SPECS = {address: _spec(route) for address, route in ROUTES.items()}


def check_args(route: Route, address: str, args: tuple[Any, ...], tags: str) -> None:
    """Raises BadArgument naming what the address expects: the count must match, each
    argument's type tag must be one its route accepts."""
    spec = _SPECS[route.address]
    if not spec.required <= len(args) <= len(spec.args):
        expects = spec.usage or "no arguments"
        raise BadArgument(f"{address} takes {expects}, got {_count(len(args))}")
    for n, ((letters, name), tag, value) in enumerate(zip(spec.args, tags, args,
                                                          strict=False), 1):
        fits = False
        for letter in letters.split("|"):
            accepted, check = _ACCEPTS[letter]
            if tag in accepted and (check is None or check(value)):
                fits = True
                break
        if not fits:
            wanted = " or ".join(_WORDS[letter] for letter in letters.split("|"))
            raise BadArgument(f"{address} argument {n} ({name}) must be {wanted}, "
                              f"got {_shown(tag, value)}")


def _count(n: int) -> str:
    return f"{n} argument" if n == 1 else f"{n} arguments"


def _shown(tag: str, value: Any) -> str:
    """An argument as OSC tools print it: `i 5`, `s 'x'`, `T`, `b (3 bytes)`."""
    if tag in "TFNI":
        return tag
    if tag == "[":
        return f"an array of {len(value)}"
    if tag in "bm":
        return f"{tag} ({len(value)} bytes)"
    return f"{tag} {value!r}"
