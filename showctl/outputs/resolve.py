"""Device host names to addresses, looked up off the event loop.

`sendto` with a host name resolves on the calling thread: with an unreachable DNS
server each datagram blocked the loop ~10 s. So names are looked up here, in two
threads of their own (a hung lookup never starves the loop's default executor), when
the venue is loaded and again every REFRESH seconds; the send path only ever sees IP
literals. A lookup that fails keeps the last good address (a DNS outage must not take a
working room down); a name never resolved leaves its devices unreachable, reported
offline with the reason.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from ipaddress import ip_address
from typing import Protocol

log = logging.getLogger(__name__)

REFRESH = 60.0
"""Seconds between lookups of every name: a re-addressed device is found within a minute."""
LOOKUP_TIMEOUT = 10.0
"""A lookup not answered by then counts as failed (the thread may go on; it is not waited)."""


def literal(host: str) -> str | None:
    """The canonical form of an IP literal (IPv4-mapped IPv6 as IPv4), else None."""
    try:
        address = ip_address(host.split("%")[0])
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def _lookup(host: str) -> tuple[str, ...]:
    """Every address of `host` (IPv4 first: the wire's default socket)."""
    found = socket.getaddrinfo(host, None, type=socket.SOCK_DGRAM)
    addresses = dict.fromkeys(str(info[4][0]) for info in found)
    return tuple(sorted(addresses, key=lambda a: ":" in a))


class _Clock(Protocol):
    def monotonic(self) -> float: ...

    async def sleep_until(self, deadline: float) -> None: ...


class Resolver:
    """Host → addresses for the devices of the venue in force, refreshed on a timer.

    `on_change` is called (on the loop) whenever a host's addresses or error changed.
    """

    def __init__(self, clock: _Clock, *, every: float = REFRESH,
                 timeout: float = LOOKUP_TIMEOUT) -> None:
        self.clock, self.every, self.timeout = clock, every, timeout
        self.addresses: dict[str, tuple[str, ...]] = {}
        self.errors: dict[str, str] = {}
        self.on_change: list[Callable[[], None]] = []
        self._names: set[str] = set()
        self._pool: ThreadPoolExecutor | None = None
        self._running: dict[str, asyncio.Future[tuple[str, ...]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    def use(self, hosts: Iterable[str]) -> None:
        """The hosts of a (re)loaded venue: literals at once, names at the next lookup."""
        names = set()
        for host in hosts:
            address = literal(host)
            if address is not None:
                self.addresses[host] = (address,)
            else:
                names.add(host)
        self._names = names
        if names:
            self._wake.set()
            self.start()

    def start(self) -> None:
        """Starts the lookups (needs a running loop; a no-op without one or names)."""
        if not self._names or (self._task is not None and not self._task.done()):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # no loop yet: the engine's first command on the loop starts it
        self._task = loop.create_task(self._run(), name="resolve")

    def address(self, host: str) -> str | None:
        """The address datagrams to `host` go to, or None while it has none."""
        found = self.addresses.get(host)
        return found[0] if found else None

    def error(self, host: str) -> str | None:
        """Why `host` has no address, or None when it has one (or is not looked up yet)."""
        return None if self.addresses.get(host) else self.errors.get(host)

    def is_own(self, host: str, source: str) -> bool:
        """Whether a packet from `source` comes from (one of) `host`'s addresses."""
        return literal(source) in self.addresses.get(host, ())

    async def _run(self) -> None:
        while self._names:
            self._wake.clear()
            await self.refresh()
            sleeper = asyncio.ensure_future(
                self.clock.sleep_until(self.clock.monotonic() + self.every))
            waker = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait({sleeper, waker}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                sleeper.cancel()
                waker.cancel()

    async def refresh(self) -> None:
        """Looks every name up once (concurrently, each bounded by `timeout`); each answer
        is applied as it comes (a hung name never holds the others back)."""
        await asyncio.gather(*(self._resolve(n) for n in sorted(self._names)))

    async def _resolve(self, host: str) -> None:
        """One lookup; the listeners are told when what is known of `host` changed."""
        before = (self.addresses.get(host), self.errors.get(host))
        future = self._running.get(host)
        if future is None:  # never two lookups of one name at once (a hung DNS)
            if self._pool is None:
                self._pool = ThreadPoolExecutor(2, thread_name_prefix="showctl-dns")
            future = asyncio.get_running_loop().run_in_executor(self._pool, _lookup, host)
            self._running[host] = future
            future.add_done_callback(lambda _: self._running.pop(host, None))
        try:
            found = await asyncio.wait_for(asyncio.shield(future), self.timeout)
        except (OSError, UnicodeError, TimeoutError) as exc:
            why = ("no answer from DNS within "
                   f"{self.timeout:g} s" if isinstance(exc, TimeoutError) else
                   getattr(exc, "strerror", None) or str(exc) or type(exc).__name__)
            self.errors[host] = f"cannot resolve {host}: {why}"
            if (self.addresses.get(host), self.errors[host]) != before:
                kept = self.addresses.get(host)
                log.warning("%s%s", self.errors[host],
                            f" (still using {kept[0]})" if kept else "")
        else:
            if found:
                self.addresses[host] = found
                self.errors.pop(host, None)
                if before[0] != found:
                    log.info("device host %s is at %s", host, ", ".join(found))
        if (self.addresses.get(host), self.errors.get(host)) != before:
            for listener in list(self.on_change):
                listener()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
