"""Who is talking to the OSC input: per-client reply port, passcode state and
subscription, the double-trigger memory and the passcode failure limit.

A UDP client is its source address and port; a TCP client is its connection. The reply
port and the passcode state of UDP clients are also remembered per source host: senders
such as `oscsend` or a control-system box use a fresh source port for every message, and
their next message must still find its replies and its connection. A subscription
belongs to where its events go (the reply destination), so that subscribing from three
source ports is one subscription, and it lives while its host keeps talking. Every table
here is bounded: a flood of spoofed sources can evict old entries but never grow memory.
"""

from __future__ import annotations

import hmac
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from showctl.core.clock import Clock
from showctl.core.errors import CommandError

MAX_UDP_CLIENTS = 1024
REPLY_RATE = 100.0
"""Replies a second to one UDP source host (a panel, a poller: far fewer)."""
REPLY_BURST = 200
"""Replies one UDP source host may draw at once (a burst of cues from a show file)."""
BYTES_RATE = 8192.0
"""Reply bytes a second one UDP source host may draw beyond what it sent itself."""
BYTES_BURST = 32768
"""Reply bytes beyond its own one UDP source host may draw at once."""
SUBSCRIPTION_TTL = 60.0  # seconds without any message before pushes stop
EVENTS, TIME = "events", "time"
"""Subscription topics: state changes (`/showctl/subscribe`), the position push for
panels (`/showctl/subscribe/time`)."""
DUPLICATE_WINDOW = 0.100
FAILURES_ALLOWED = 5  # wrong passcodes per source host within FAILURE_WINDOW
FAILURE_WINDOW = 60.0
LOCKOUT = 60.0  # seconds a host is refused after too many failures


ADMIN_ONLY = ("needs the admin role: /showctl/connect <osc.admin_passcode> first, or give it "
              "as the command's argument")
ADMIN_OFF = ("OSC power commands are off: the venue sets osc.admin_passcode to allow them "
             "(docs/osc.md), or use the dashboard as an admin")

@dataclass(eq=False)
class Client:
    key: tuple[Any, ...]
    host: str
    port: int
    send: Callable[[bytes, tuple[str, int]], None]  # (packet, destination)
    last_heard: float
    reply_port: int | None = None
    connected: bool = False
    admin: bool = False  # connected with osc.admin_passcode: this client only, never its host

    @property
    def label(self) -> str:
        where = f"{self.host}:{self.port}"
        return where if self.key[0] == "udp" else f"tcp:{where}"

    @property
    def reply_to(self) -> tuple[str, int]:
        return self.host, self.reply_port or self.port

    @property
    def udp(self) -> bool:
        return bool(self.key[0] == "udp")

    def reply(self, packet: bytes) -> None:
        self.send(packet, self.reply_to)


@dataclass(eq=False)
class Subscription:
    """Events for one destination: a UDP host and port, or a TCP connection."""

    client: Client  # the client that subscribed: its way of sending (socket or connection)
    dest: tuple[str, int]
    topic: str = EVENTS

    def push(self, packet: bytes) -> None:
        self.client.send(packet, self.dest)


@dataclass
class Clients:
    clock: Clock
    passcode: str | None
    admin_passcode: str | None = None
    _udp: OrderedDict[tuple[Any, ...], Client] = field(default_factory=OrderedDict)
    _tcp: dict[tuple[Any, ...], Client] = field(default_factory=dict)
    _recent: OrderedDict[tuple[Any, ...], float] = field(default_factory=OrderedDict)
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _locked: dict[str, float] = field(default_factory=dict)
    _hosts: OrderedDict[str, tuple[int | None, bool]] = field(default_factory=OrderedDict)
    # where events go -> its subscription; UDP hosts with a subscription -> last heard
    subscribers: OrderedDict[tuple[Any, ...], Subscription] = field(default_factory=OrderedDict)
    _heard: dict[str, float] = field(default_factory=dict)
    # UDP source host -> [replies left, bytes left, when last refilled]
    _replies: dict[str, list[float]] = field(default_factory=dict)

    def _bucket(self, host: str) -> list[float]:
        now = self.clock.monotonic()
        bucket = self._replies.get(host)
        if bucket is None:
            if len(self._replies) >= MAX_UDP_CLIENTS:
                self._replies.pop(next(iter(self._replies)))
            bucket = self._replies[host] = [float(REPLY_BURST), float(BYTES_BURST), now]
        elapsed = now - bucket[2]
        bucket[0] = min(float(REPLY_BURST), bucket[0] + elapsed * REPLY_RATE)
        bucket[1] = min(float(BYTES_BURST), bucket[1] + elapsed * BYTES_RATE)
        bucket[2] = now
        return bucket

    def received(self, host: str, size: int) -> None:
        """A UDP packet of `size` bytes from `host`: its replies may be as large."""
        bucket = self._bucket(host)
        bucket[1] = min(float(BYTES_BURST) + size, bucket[1] + size)

    def may_reply(self, host: str, size: int) -> bool:
        """Whether `host` may be sent a reply of `size` bytes now (and it is counted).

        A UDP source can be forged, so what it draws is bounded: REPLY_RATE replies a
        second (REPLY_BURST at once), and bytes no more than it sent plus BYTES_RATE a
        second (BYTES_BURST at once) for the status polls of a panel. A flood with a
        victim's address draws about its own size to that victim, never a multiple."""
        bucket = self._bucket(host)
        if bucket[0] < 1.0 or bucket[1] < size:
            return False
        bucket[0] -= 1.0
        bucket[1] -= size
        return True

    # -- the table ------------------------------------------------------------------
    def udp(self, host: str, port: int, send: Callable[[bytes, tuple[str, int]], None]) -> Client:
        key = ("udp", host, port)
        now = self.clock.monotonic()
        client = self._udp.get(key)
        if host in self._heard:  # any packet from a subscribed host renews its subscriptions
            self._heard[host] = now
        if client is None:
            reply_port, connected = self._hosts.get(host, (None, False))
            client = self._udp[key] = Client(key, host, port, send, now, reply_port,
                                             connected=connected or self.passcode is None)
            if len(self._udp) > MAX_UDP_CLIENTS:
                self._udp.popitem(last=False)
        else:
            self._udp.move_to_end(key)
            client.last_heard = now
        return client

    def tcp(self, conn_id: int, host: str, port: int,
            send: Callable[[bytes, tuple[str, int]], None]) -> Client:
        key = ("tcp", conn_id)
        client = Client(key, host, port, send, self.clock.monotonic(),
                        connected=self.passcode is None)
        self._tcp[key] = client
        return client

    def set_passcode(self, passcode: str | None) -> None:
        """A new `osc.passcode` (reload): set or changed, every client must connect again
        and every subscription ends (it was granted under the old one); removed, every
        client is connected."""
        self.passcode = passcode
        now_open = passcode is None
        for client in (*self._udp.values(), *self._tcp.values()):
            client.connected, client.admin = now_open, False
        for host, (reply_port, _) in self._hosts.items():
            self._hosts[host] = (reply_port, now_open)
        if not now_open:
            self.subscribers.clear()
            self._heard.clear()

    def set_admin_passcode(self, passcode: str | None) -> None:
        """A new `osc.admin_passcode` (reload): every admin must connect again."""
        self.admin_passcode = passcode
        for client in (*self._udp.values(), *self._tcp.values()):
            client.admin = False

    def set_reply_port(self, client: Client, port: int | None) -> None:
        client.reply_port = port
        self._remember_host(client)

    def _remember_host(self, client: Client) -> None:
        if client.key[0] != "udp":
            return  # a TCP connection answers on itself
        self._hosts[client.host] = (client.reply_port, client.connected)
        self._hosts.move_to_end(client.host)
        if len(self._hosts) > MAX_UDP_CLIENTS:
            self._hosts.popitem(last=False)

    def forget(self, client: Client) -> None:
        self._tcp.pop(client.key, None)
        self._udp.pop(client.key, None)
        for topic in (EVENTS, TIME):
            self._unsubscribe((topic, *client.key))

    # -- subscriptions --------------------------------------------------------------
    @staticmethod
    def _destination(client: Client, topic: str) -> tuple[Any, ...]:
        """A subscription's key: its topic and where the client's replies (and so its
        pushes) go."""
        return (topic, "udp", *client.reply_to) if client.udp else (topic, *client.key)

    def subscribe(self, client: Client, on: bool, topic: str = EVENTS) -> None:
        """On: one subscription per topic and destination, however many source ports asked
        for it. Off: ends the one at this client's destination, whichever port asks."""
        key = self._destination(client, topic)
        if not on:
            self._unsubscribe(key)
            return
        self.subscribers[key] = Subscription(client, client.reply_to, topic)
        self.subscribers.move_to_end(key)
        if client.udp:
            self._heard[client.host] = self.clock.monotonic()
        if len(self.subscribers) > MAX_UDP_CLIENTS:
            self._unsubscribe(next(iter(self.subscribers)))

    def _unsubscribe(self, key: tuple[Any, ...]) -> None:
        gone = self.subscribers.pop(key, None)
        if gone is not None and gone.client.udp and not any(
                s.client.udp and s.dest[0] == gone.dest[0] for s in self.subscribers.values()):
            self._heard.pop(gone.dest[0], None)

    def unsubscribe_where(self, ended: Callable[[Subscription], bool]) -> None:
        for key in [k for k, s in self.subscribers.items() if ended(s)]:
            self._unsubscribe(key)

    def _last_heard(self, sub: Subscription) -> float:
        return self._heard.get(sub.dest[0], 0.0) if sub.client.udp else sub.client.last_heard

    def live_subscribers(self, topic: str = EVENTS) -> list[Subscription]:
        """The topic's subscriptions whose host (UDP) or connection (TCP) was heard from
        within the TTL; the others are dropped here."""
        now = self.clock.monotonic()
        self.unsubscribe_where(lambda s: now - self._last_heard(s) > SUBSCRIPTION_TTL)
        return [s for s in self.subscribers.values() if s.topic == topic]

    # -- double triggers ------------------------------------------------------------
    def is_duplicate(self, host: str, address: str, args: tuple[Any, ...]) -> bool:
        """True for a repeat of the same command from the same host within 100 ms."""
        now = self.clock.monotonic()
        recent = self._recent
        while recent:
            oldest_key, seen = next(iter(recent.items()))
            if now - seen < DUPLICATE_WINDOW:
                break
            del recent[oldest_key]
        key = (host, address, args)
        if key in recent:
            return True
        recent[key] = now
        return False

    # -- passcode -------------------------------------------------------------------
    def connect(self, client: Client, passcode: str) -> None:
        """Marks the client connected, or raises; failures count per source host."""
        now = self.clock.monotonic()
        host = client.host
        if self._locked.get(host, 0.0) > now:
            wait = self._locked[host] - now
            raise CommandError(f"too many wrong passcodes from {host}: try again in {wait:.0f} s")
        if self.admin_passcode is not None and hmac.compare_digest(
                passcode.encode(), self.admin_passcode.encode()):
            client.connected = client.admin = True  # the role is the client's (its socket)
            self._remember_host(client)
            return
        if self.passcode is None or hmac.compare_digest(passcode.encode(),
                                                        self.passcode.encode()):
            client.connected = True
            self._remember_host(client)
            return
        self._wrong(host, now)
        raise CommandError("wrong passcode")

    def admin(self, client: Client, passcode: str | None) -> None:
        """An admin command from `client`: it connected as admin, or `passcode` is the
        admin passcode (failures count with the wrong passcodes); else CommandError."""
        if client.admin:
            return
        if self.admin_passcode is None:
            raise CommandError(ADMIN_OFF)
        if passcode is None:
            raise CommandError(ADMIN_ONLY)
        now = self.clock.monotonic()
        if self._locked.get(client.host, 0.0) > now:
            wait = self._locked[client.host] - now
            raise CommandError(f"too many wrong passcodes from {client.host}: try again in "
                               f"{wait:.0f} s")
        if hmac.compare_digest(passcode.encode(), self.admin_passcode.encode()):
            return
        self._wrong(client.host, now)
        raise CommandError("wrong admin passcode")

    def _wrong(self, host: str, now: float) -> None:
        """One more wrong passcode from `host`: locked out after FAILURES_ALLOWED."""
        failures = self._failures.setdefault(host, deque())
        failures.append(now)
        while failures and now - failures[0] > FAILURE_WINDOW:
            failures.popleft()
        if len(failures) >= FAILURES_ALLOWED:
            self._locked = {h: t for h, t in self._locked.items() if t > now}
            self._locked[host] = now + LOCKOUT
            failures.clear()
        if len(self._failures) > MAX_UDP_CLIENTS:  # bounded like everything else
            self._failures.pop(next(iter(self._failures)))
