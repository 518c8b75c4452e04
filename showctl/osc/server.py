"""`OscServer`: the integrators' OSC input on `venue.osc.listen`, UDP and TCP/SLIP.

Every message becomes one router call and one reply at `/showctl/reply{address}`.
Nothing here blocks or sleeps: a bundle's future messages are left to the loop's
timer, and handlers are the Controller's immediate methods, so the input cannot
move a cue. Whatever a peer sends costs it at most an error reply and a counter.

`osc.allow` and `osc.passcode` follow a reload with the rest of the venue: the server
reads the venue in force (`Controller.venue`, swapped in only while no show is loaded)
when the bus says something changed, before the next packet. `osc.listen` needs a restart.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import socket
from collections.abc import Awaitable
from functools import lru_cache
from ipaddress import ip_address
from typing import Any

from showctl.codec.osc import Message, PacketError, decode, encode_message
from showctl.connlimits import shared
from showctl.core import events
from showctl.core.controller import Controller
from showctl.core.errors import CommandError
from showctl.osc import router
from showctl.osc.clients import TIME, Client, Clients
from showctl.osc.compact import UDP_SAFE
from showctl.osc.router import Call
from showctl.osc.transports import EVICT_AFTER, IDLE_TCP, TcpInput, UdpInput

log = logging.getLogger(__name__)

MAX_PACKET = 8192  # bytes; no command of SPEC 3.1 comes near
MAX_AHEAD = 3600.0  # seconds a bundle's timetag may lie in the future
MAX_PENDING = 1000  # timed messages waiting at once
PUSHED = {events.STATE, events.CUE, events.DEVICE, events.VOLUME}  # volume: a control's feedback


class OscServer:
    def __init__(self, controller: Controller, *, max_packet: int = MAX_PACKET) -> None:
        self.controller = controller
        self.clock = controller.clock
        venue = controller.venue  # the venue in force (a reload waits for idle)
        osc = venue.osc
        self.host, self.port = osc.listen
        self._venue = venue
        self._config = controller.config
        self._allow = osc.allow
        self._allowed: dict[str, bool] = {}
        self.max_packet = max_packet
        self.clients = Clients(self.clock, osc.passcode, osc.admin_passcode)
        self.connections: set[TcpInput] = set()
        self.budget = shared()
        self._sweeper: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self._long: set[asyncio.Task[None]] = set()  # power and check, replied when done
        self._udp: UdpInput | None = None
        self._tcp: asyncio.Server | None = None
        self._unsubscribe: events.Unsubscribe | None = None
        self._last_log: dict[str, tuple[float, int]] = {}
        self._time_push: asyncio.Task[None] | None = None

    # -- lifecycle ------------------------------------------------------------------
    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_DGRAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)  # absorb bursts
            sock.bind((self.host, self.port))
            self._udp = UdpInput(self, sock)
            self._tcp = await loop.create_server(lambda: TcpInput(self), self.host, self.port,
                                                 reuse_address=True)
        except OSError as exc:
            await self.stop()
            sock.close()
            raise CommandError(f"cannot listen for OSC on {self.host}:{self.port}: "
                               f"{exc.strerror or exc}") from None
        self._unsubscribe = self.controller.bus.subscribe(self._on_event)
        self._sweeper = loop.create_task(self._sweep_idle(), name="osc-idle")
        log.info("OSC input on udp+tcp %s:%s", self.host, self.port)

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
            self._sweeper = None
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for handle in self._pending:
            handle.cancel()
        self._pending.clear()
        for task in self._long:
            task.cancel()
        if self._time_push is not None:
            self._time_push.cancel()
            await asyncio.gather(self._time_push, return_exceptions=True)
            self._time_push = None
        if self._udp is not None:
            self._udp.close()
            self._udp = None
        if self._tcp is not None:
            self._tcp.close()
            for conn in list(self.connections):
                conn.close()
            await asyncio.wait_for(self._tcp.wait_closed(), 2.0)
            self._tcp = None

    # -- idle TCP clients ------------------------------------------------------------
    def _idle(self, silent: float) -> list[tuple[float, TcpInput, str]]:
        """TCP connections silent for more than `silent` seconds, longest first."""
        now = self.clock.monotonic()
        idle = [(c.client.last_heard, c, c.client.label) for c in self.connections
                if c.client is not None and now - c.client.last_heard > silent]
        return sorted(idle, key=lambda item: item[0])

    def evict_idle(self) -> bool:
        """Drops the longest-silent TCP client (silent over EVICT_AFTER) for a newcomer."""
        idle = self._idle(EVICT_AFTER)
        if not idle:
            return False
        _, conn, label = idle[0]
        self.complain("idle_dropped", f"dropped idle TCP {label} for a new client")
        conn.close()
        self.connections.discard(conn)
        return True

    async def _sweep_idle(self) -> None:
        """Every so often, TCP clients silent for IDLE_TCP are dropped."""
        while True:
            await self.clock.sleep_until(self.clock.monotonic() + IDLE_TCP / 4)
            for _, conn, label in self._idle(IDLE_TCP):
                self.complain("idle_dropped", f"dropped TCP {label}: silent for over "
                              f"{IDLE_TCP:g} s")
                conn.close()

    # -- settings that follow a reload -------------------------------------------------
    def follow_venue(self) -> None:
        """Applies the `osc` settings of the venue the engine now uses, once per venue."""
        venue = self.controller.venue
        if venue is self._venue:
            return
        old, new = self._venue.osc, venue.osc
        self._venue = venue
        if new.allow != old.allow:
            self._allow, self._allowed = new.allow, {}
            for conn in list(self.connections):
                if conn.client is not None and not self._is_allowed(conn.client.host):
                    conn.close()
            self.clients.unsubscribe_where(lambda s: not self._is_allowed(s.dest[0]))
            log.warning("OSC: osc.allow is now %s", ", ".join(map(str, new.allow)))
        if new.admin_passcode != old.admin_passcode:
            self.clients.set_admin_passcode(new.admin_passcode)
            log.warning("OSC: osc.admin_passcode changed: admins must /showctl/connect again")
        if new.passcode != old.passcode:
            self.clients.set_passcode(new.passcode)
            if new.passcode is None:
                log.warning("OSC: osc.passcode removed: every client may send commands")
            else:
                log.warning("OSC: osc.passcode changed: every client must /showctl/connect "
                            "with the new passcode (subscriptions ended)")

    def _on_reload(self) -> None:
        """A reload (a new `Config`): what waits, and what never applies without a restart."""
        config = self._config = self.controller.config
        osc = config.venue.osc
        if osc.listen != (self.host, self.port):
            log.warning("OSC: osc.listen is now %s:%s in the venue file, but the OSC input "
                        "stays on %s:%s until showctl restarts", *osc.listen,
                        self.host, self.port)
        self.follow_venue()
        in_force = self._venue.osc
        waiting = [key for key in ("allow", "passcode", "admin_passcode")
                   if getattr(osc, key) != getattr(in_force, key)]
        if waiting:
            log.warning("OSC: the new osc.%s applies with the rest of the venue, as soon "
                        "as the show has ended", " and osc.".join(waiting))

    # -- packets in -----------------------------------------------------------------
    def _is_allowed(self, host: str) -> bool:
        ok = self._allowed.get(host)
        if ok is None:
            address = ip_address(host.split("%")[0])
            address = getattr(address, "ipv4_mapped", None) or address  # dual-stack "::"
            ok = any(address in net for net in self._allow)
            if len(self._allowed) > 4096:
                self._allowed.clear()
            self._allowed[host] = ok
        return ok

    def allowed(self, host: str) -> bool:
        """`osc.allow`, remembered per host; a refused source is logged, never answered."""
        ok = self._is_allowed(host)
        if not ok:
            self.complain("denied", f"dropped a packet from {host}: not in osc.allow")
        return ok

    def behind(self, lost: int) -> None:
        """The UDP input could not keep up; the kernel dropped `lost` datagrams."""
        self.controller.input_behind(lost)
        if lost:
            self.complain("overflow", f"UDP input saturated: the kernel dropped {lost} "
                          "datagram(s); reading fairly per source")

    def handle_packet(self, data: bytes, client: Client) -> None:
        if len(data) > self.max_packet:
            self.reject(client, "oversized", f"packet of {len(data)} bytes "
                        f"(limit {self.max_packet})")
            return
        try:
            messages = decode(data)
        except PacketError as exc:
            self.reject(client, exc.reason, str(exc), exc.address)
            return
        now = self.clock.time()
        for message in messages:
            tag = message.timetag
            if tag is None or tag <= now:
                self.run(message, client)
            elif tag - now > MAX_AHEAD or len(self._pending) >= MAX_PENDING:
                self.reply(client, message.address, "error", "timetag too far ahead or too "
                           "many timed commands waiting")
                self.complain("timetag", f"refused timed {message.address} from {client.label}")
            else:
                self._later(tag - now, message, client)

    def _later(self, delay: float, message: Message, client: Client) -> None:
        """A timed command waits on the injected clock (a test advances it, never waits)."""
        async def fire(deadline: float) -> None:
            await self.clock.sleep_until(deadline)
            self.run(message, client)
        task = asyncio.get_running_loop().create_task(fire(self.clock.monotonic() + delay))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def run(self, message: Message, client: Client) -> None:
        """One command: route, check, double-trigger guard, call, reply."""
        controller, address = self.controller, message.address
        controller.count("osc.received")
        client.last_heard = self.clock.monotonic()
        found = router.find(address)
        if found is None:
            self.reject(client, "unknown", f"unknown address {address}", address)
            return
        route, param = found
        if not (client.connected or route.before_connect):
            self.reject(client, "unauthorised", "not connected: send /showctl/connect "
                        "<passcode> first", address)
            return
        try:
            router.check_args(route, address, message.args, message.tags)
        except CommandError as exc:
            self.reject(client, "bad_args", str(exc), address)
            return
        if route.admin and not client.admin:
            try:
                self.clients.admin(client, message.args[0] if message.args else None)
            except CommandError as exc:
                self.reject(client, "forbidden", str(exc), address)
                return
        if route.once and self.clients.is_duplicate(client.host, address, message.args):
            controller.count("osc.duplicate")
            self.reply(client, address, "error", "ignored: same command from this host "
                       "within 100 ms (double trigger)")
            return
        try:
            data = route.run(Call(controller, self.clients, client, message.args,
                                  f"osc:{client.label}", param))
        except Exception as exc:
            self._failed(client, address, exc)
            return
        if inspect.isawaitable(data):  # the room's commands converse with devices first
            task = asyncio.get_running_loop().create_task(
                self._reply_when_done(client, address, data))
            self._long.add(task)
            task.add_done_callback(self._long.discard)
            return
        controller.count("osc.ok")
        self.reply(client, address, "ok", data)
        if route.address == "/showctl/subscribe/time":
            self._start_time_push()

    async def _reply_when_done(self, client: Client, address: str,
                               work: Awaitable[Any]) -> None:
        """A reply once a long command (power, check) is done; it never raises."""
        try:
            data = await work
        except Exception as exc:
            self._failed(client, address, exc)
            return
        self.controller.count("osc.ok")
        self.reply(client, address, "ok", data)

    def _failed(self, client: Client, address: str, exc: Exception) -> None:
        """A refusal is said as the core said it; anything else is logged, said plainly."""
        if isinstance(exc, CommandError):
            self.complain("refused", f"{client.label}: {address}: {exc}")
            self.reply(client, address, "error", str(exc))
            return
        log.error("OSC %s from %s failed", address, client.label, exc_info=exc)
        self.reject(client, "internal", "internal error (see the controller's log)", address)

    # -- answers --------------------------------------------------------------------
    def reply(self, client: Client, address: str | None, status: str, data: Any) -> None:
        if isinstance(data, str | None):
            packet = _cached_reply(address, status, data)
        else:
            packet = _reply_packet(address, status, data)
        if client.udp and len(packet) > UDP_SAFE:  # never a fragmented datagram
            self.controller.count("osc.reply_too_large")
            packet = _reply_packet(address, "error", f"the reply ({len(packet)} bytes) does "
                                   f"not fit one UDP datagram ({UDP_SAFE}): ask over TCP "
                                   "(same port) or HTTP")
        if client.udp:  # a UDP source can be forged: never a reflector, never an amplifier
            bounded = self._bounded(client, packet, status)
            if bounded is None:
                return
            packet = bounded
        client.reply(packet)

    def _bounded(self, client: Client, packet: bytes, status: str) -> bytes | None:
        """The reply a UDP source may have (`Clients.may_reply`: bytes and replies per
        source host): an error that does not fit is shortened, then dropped; any other
        reply that does not fit is dropped. Counted either way."""
        if self.clients.may_reply(client.host, len(packet)):
            return packet
        if status == "error" and self.clients.may_reply(client.host, len(SHORT_ERROR)):
            return SHORT_ERROR
        self.controller.count("osc.reply_limited")
        return None

    def reject(self, client: Client, reason: str, message: str, address: str | None = None) -> None:
        """Counts, logs (rate-limited) and answers a bad packet or message."""
        self.complain(reason, f"{client.label}: {message}")
        self.reply(client, address, "error", message)

    def complain(self, reason: str, message: str) -> None:
        """`osc.<reason>` and `osc.errors` counted; at most one log line per reason a
        second, so a flood of garbage cannot flood the journal."""
        self.controller.count(f"osc.{reason}")
        self.controller.count("osc.errors")
        now = self.clock.monotonic()
        last, hidden = self._last_log.get(reason, (-1e9, 0))
        if now - last < 1.0:
            self._last_log[reason] = (last, hidden + 1)
            return
        suffix = f" ({hidden} more like it suppressed)" if hidden else ""
        log.warning("OSC %s: %s%s", reason, message, suffix)
        self._last_log[reason] = (now, 0)

    def _on_event(self, event: events.Event) -> None:
        if event.kind == events.FILES:
            self._on_reload()
        elif event.kind == events.VENUE:
            self.follow_venue()  # a reload made while a show ran, now in force
        if event.kind not in PUSHED or not self.clients.subscribers:
            return
        packet = encode_message(f"/showctl/event/{event.kind}",
                                       json.dumps(event.data, default=str))
        for subscription in self.clients.live_subscribers():
            subscription.push(packet)


    # -- the position push ------------------------------------------------------------
    def _start_time_push(self) -> None:
        if self._time_push is None or self._time_push.done():
            self._time_push = asyncio.get_running_loop().create_task(
                self._push_time(), name="osc-time-push")

    async def _push_time(self) -> None:
        """`/showctl/event/time` to its subscribers, TIME_RATE times a second on the
        injected clock; ends when the last of them unsubscribed or went silent."""
        period = 1.0 / router.TIME_RATE
        due = self.clock.monotonic()
        while subscribers := self.clients.live_subscribers(TIME):
            packet = time_packet(self.controller.status())
            for subscription in subscribers:
                subscription.push(packet)
            due = max(due + period, self.clock.monotonic())
            await self.clock.sleep_until(due)


def time_packet(status: dict[str, Any]) -> bytes:
    """Where the show is, as plain OSC arguments a panel can bind without parsing JSON:
    f time, f remaining (-1: no show), s state, s show id, s current cue id, s its name
    ("" when none)."""
    show, cue = status.get("show") or {}, status.get("current_cue") or {}
    remaining = status.get("remaining")
    return encode_message(
        "/showctl/event/time", float(status.get("time") or 0.0),
        -1.0 if remaining is None else float(remaining), str(status["state"]),
        str(show.get("id") or ""), str(cue.get("id") or ""), str(cue.get("name") or ""))


def _reply_packet(address: str | None, status: str, data: Any) -> bytes:
    body = json.dumps({"address": address, "status": status, "data": data}, default=str)
    return encode_message(f"/showctl/reply{address or ''}", body)


SHORT_ERROR = encode_message("/showctl/reply", '{"status":"error"}')
"""An error reply in 40 bytes: what a packet too small for its full error gets."""


@lru_cache(maxsize=512)
def _cached_reply(address: str | None, status: str, data: str | None) -> bytes:
    """Replies repeat (heartbeats, `ok` states): encode each once."""
    return _reply_packet(address, status, data)
