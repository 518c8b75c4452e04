"""The one precise scheduler: every timed datagram of the controller leaves from here.

Sources (the timeline, DMX fade streams) hand over their next item's datagrams, built
ahead: an item is built as soon as it could be the next thing to send, i.e. right after
the previous burst, long before its own deadline. The task then sleeps on the clock
(SystemClock wakes early and spins) and sends everything due in one burst.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from showctl.core.clock import SPIN, Clock
from showctl.outputs.sender import Address, UdpSender

log = logging.getLogger(__name__)


@dataclass(order=True, slots=True)
class Packet:
    """A datagram (or, with `data=None`, only a callback) due at monotonic `send_at`,
    taking effect at `deadline` (later by its device's lead); `data` may be a function
    that encodes the datagrams as they leave (a level that may still move)."""

    send_at: float
    seq: int
    source: object = field(compare=False)
    address: Address | None = field(compare=False, default=None)
    data: bytes | Callable[[], list[bytes]] | None = field(compare=False, default=None)
    callback: Callable[[], None] | None = field(compare=False, default=None)
    deadline: float = field(compare=False, default=0.0)


class Source(Protocol):
    def peek(self) -> float | None:
        """The deadline of the next item, or None when there is nothing more."""
        ...

    def build(self, dispatcher: Dispatcher) -> None:
        """Build the next item, handing its packets to `dispatcher.push`."""
        ...


EARLY = 1.9 * SPIN
"""How long before each burst the dispatcher wakes to spin: a busy loop (a ~2 ms JSON
burst for 50 dashboard clients) can hold a timer callback past the clock's own margin."""


class Dispatcher:
    def __init__(self, clock: Clock, sender: UdpSender) -> None:
        self.clock = clock
        self.sender = sender
        self.lead = 0.0  # the largest device latency: how early anything may leave
        self._sources: list[Source] = []
        self._heap: list[Packet] = []
        self._seq = itertools.count()
        self._task: asyncio.Task[None] | None = None

    def push(
        self,
        source: object,
        send_at: float,
        address: Address | None = None,
        data: bytes | Callable[[], list[bytes]] | None = None,
        callback: Callable[[], None] | None = None,
        deadline: float | None = None,
    ) -> None:
        heapq.heappush(self._heap, Packet(send_at, next(self._seq), source, address, data,
                                          callback, send_at if deadline is None else deadline))

    def add(self, source: Source) -> None:
        if source not in self._sources:
            self._sources.append(source)
        self.kick()

    def remove(self, source: object) -> None:
        """The source and its packets not yet sent are gone (pause, seek, stop)."""
        if source in self._sources:
            self._sources.remove(source)
        self.drop(source)

    def retire(self, source: object) -> None:
        """The source builds nothing more; what it has handed over still goes out."""
        if source in self._sources:
            self._sources.remove(source)

    def cut(self, source: object, after: float) -> None:
        """The source's packets taking effect after monotonic `after` are gone."""
        kept = [p for p in self._heap if p.source is not source or p.deadline <= after]
        if len(kept) != len(self._heap):
            self._heap = kept
            heapq.heapify(self._heap)
        self.kick()

    def drop(self, source: object, since: float = float("-inf")) -> None:
        kept = [p for p in self._heap if p.source is not source or p.send_at < since]
        if len(kept) != len(self._heap):
            self._heap = kept
            heapq.heapify(self._heap)
        self.kick()

    def kick(self) -> None:
        """Re-plan the next wake-up (a source or the heap changed)."""
        if self._task is not None and not self._task.done():
            if self._task is asyncio.current_task():
                return  # we are inside a callback of the loop below: it re-fills anyway
            self._task.cancel()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="dispatch")

    def _fill(self) -> None:
        while True:
            best: tuple[float, Source] | None = None
            for source in tuple(self._sources):
                deadline = source.peek()
                if deadline is None:
                    continue
                if best is None or deadline < best[0]:
                    best = (deadline, source)
            if best is None:
                return
            if self._heap and best[0] - self.lead > self._heap[0].send_at:
                return
            best[1].build(self)

    async def _run(self) -> None:
        while True:
            self._fill()
            if not self._heap:
                return
            due_at = self._heap[0].send_at
            burst: set[int] = set()
            if self._needs_precision(due_at):
                first = sorted((p.seq, id(p), p.address, p.data) for p in self._heap
                               if p.send_at <= due_at and isinstance(p.data, bytes)
                               and p.address is not None)
                burst = {key for _, key, _, _ in first}
                fire = self.sender.burst([(address, data) for _, _, address, data in first])
                await self.clock.arrive_at(due_at, early=EARLY, then=fire)
            else:  # only callbacks (events, state) are due: a loop timer is precise enough
                await self.clock.sleep_until(due_at)
            now = self.clock.monotonic()
            due: list[Packet] = []
            while self._heap and self._heap[0].send_at <= now:
                due.append(heapq.heappop(self._heap))
            late: list[Packet] = []
            for packet in due:
                if id(packet) in burst:
                    continue  # it left at the instant, prepared before the wait
                if isinstance(packet.data, bytes) and packet.address is not None:
                    self.sender.send(packet.address, packet.data)
                elif packet.data is not None:
                    late.append(packet)  # encoded after the prebuilt ones have left
            for packet in late:
                assert packet.address is not None and callable(packet.data)
                try:
                    datagrams = packet.data()
                except Exception:
                    log.exception("encoding a datagram failed")
                    continue
                for data in datagrams:
                    self.sender.send(packet.address, data)
            for packet in due:
                if packet.callback is not None:
                    try:
                        packet.callback()
                    except Exception:
                        log.exception("dispatch callback failed")

    def _needs_precision(self, due_at: float) -> bool:
        """A datagram leaves at `due_at`, or soon after (within the spin's reach): with
        sending ahead, a cue's bundles leave a lead before its callbacks run, and those
        need no spin of their own."""
        horizon = due_at + 2 * EARLY
        return any(p.data is not None and p.send_at <= horizon for p in self._heap)

    async def close(self) -> None:
        self._sources.clear()
        self._heap.clear()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self.sender.close()
