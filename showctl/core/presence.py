"""Who is in the room: each device's liveness (heartbeats, players' reports, answers in a
product's own protocol), the players' reports judged against what they were told, and
the addresses the resolver could not find. One of the controller's sub-controllers
(like Mopidy's `core.playback`): the controller's `heartbeat`, `player_status` and
`input_behind` are this, and it publishes `device` and `player` events on the core's bus.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from showctl.core import events
from showctl.core.clock import Clock
from showctl.core.confirmed import confirmed_json, mismatch, report_instant
from showctl.core.errors import BadArgument, CommandError, Forbidden, NotFound
from showctl.core.mismatchlog import MismatchLog
from showctl.model.player_status import PlayerStatus

if TYPE_CHECKING:
    from showctl.core.controller import Controller

LOSS_LENIENCY = 3.0
"""While an input cannot keep up, a device is offline only after this many times its
heartbeat timeout: liveness must not hang on a receive queue a flood keeps full."""



class Presence:
    """Devices' liveness and reports, for one controller (`ctl`: its engine's devices,
    its venue in force, its counters and log)."""

    def __init__(self, ctl: Controller, clock: Clock, bus: events.EventBus) -> None:
        self.ctl, self.clock, self.bus = ctl, clock, bus
        self._mismatches = MismatchLog(lambda line, level: ctl.announce(line, level=level))
        self._watch: asyncio.Task[None] | None = None
        self._behind_at = float("-inf")  # monotonic instant an input last fell behind
        self._unresolved: dict[str, str] = {}  # device -> why its host has no address

    def heartbeat(self, device_id: str, *, source: str | None = None) -> None:
        """A device says it is alive. From the network (`source`: the packet's IP), it
        counts only from that device's own address in the venue: any other host could
        otherwise keep a dead screen "online". `source=None` is an in-process caller."""
        devices = self.ctl.engine.devices
        if device_id not in devices.online:
            raise NotFound(f"no device {device_id!r} in the venue")
        if device_id in devices.answering:
            raise CommandError(f"device {device_id!r} answers in its own protocol: it is "
                               "online when it answers, heartbeats in its name do not count")
        if source is not None:
            host = self.ctl.venue.device(device_id).host
            if not self.ctl.engine.resolver.is_own(host, source):
                self.ctl.count("devices.heartbeat_refused")
                raise Forbidden(f"heartbeat for {device_id} refused from {source}: not the "
                                f"device's address ({host})")
        self.ctl.count("devices.heartbeats")
        self.seen(device_id)

    def player_status(self, status: PlayerStatus, *, source: str | None = None) -> None:
        """A player's report (`/showctl/player/status`): a heartbeat; kept per device for
        status() with the flag saying whether it is where it should be; a `player` event
        when what it confirms or the flag changes. BadArgument for a device that is not a
        player of the venue."""
        devices, device_id = self.ctl.engine.devices, status.device
        if device_id not in devices.online:
            raise NotFound(f"no device {device_id!r} in the venue")
        if self.ctl.venue.device(device_id).kind not in ("screen", "audio"):
            raise BadArgument(f"{device_id!r} is a {self.ctl.venue.device(device_id).kind} "
                              "device, not a player (screen or audio)")
        self.heartbeat(device_id, source=source)  # from the device's own address only
        wall = self.clock.time()
        at = self.clock.monotonic() - (wall - report_instant(status, wall))
        before, flag_before = devices.confirmed.get(device_id), devices.mismatch.get(device_id)
        confirmed = confirmed_json(status, wall)
        flag = mismatch(devices.outputs[device_id], status, at)
        devices.confirmed[device_id], devices.mismatch[device_id] = confirmed, flag
        keys = ("state", "media", "missing")
        if (before is None or flag != flag_before
                or any(before[k] != confirmed[k] for k in keys)):
            self.bus.publish(events.PLAYER, device=device_id, confirmed=confirmed,
                             mismatch=flag)
        self._mismatches.report(device_id, flag, state=status.state, at=at,  # a line a burst
                                told=devices.outputs[device_id].state,
                                restarts=status.mpv_restarts)

    def answered(self, device_id: str, said: dict[str, Any]) -> None:
        """The device answered in its own protocol (core.liveness): online, and what it
        said about itself (Eos's active cue, a projector's status) kept for status()."""
        devices = self.ctl.engine.devices
        if device_id not in devices.online:
            return
        changed = bool(said) and devices.said.get(device_id) != {
            **devices.said.get(device_id, {}), **said}
        if said:
            devices.said[device_id] = {**devices.said.get(device_id, {}), **said}
        if not self.seen(device_id) and changed:
            self.bus.publish(events.DEVICE, device=device_id, online=True,
                             last_seen=devices.last_seen.get(device_id),
                             said=devices.said[device_id])

    def seen(self, device_id: str) -> bool:
        """True (and published) when the device just came online."""
        devices = self.ctl.engine.devices
        wall = self.clock.time()
        came = devices.seen(device_id, wall, self.clock.monotonic())
        if came and devices.said.get(device_id):
            self.bus.publish(events.DEVICE, device=device_id, online=True, last_seen=wall,
                             said=devices.said[device_id])
        elif came:
            self.bus.publish(events.DEVICE, device=device_id, online=True, last_seen=wall)
        if self._watch is None or self._watch.done():
            self._watch = asyncio.get_running_loop().create_task(self._watch_liveness())
        return came

    async def _watch_liveness(self) -> None:
        """Marks devices offline when their heartbeats stop; ends when none is online.
        Silence is measured on the monotonic clock: a wall-clock step (NTP) neither
        flaps every device offline nor keeps a dead one online. It wakes when the first
        device could expire, not every second: a room idle all night (or a week of fake
        time) wakes once per timeout, exactly as precise."""
        while True:
            devices, now = self.ctl.engine.devices, self.clock.monotonic()
            base = timeout = self.ctl.venue.osc.heartbeat_timeout  # a reload restarts the watch
            if now - self._behind_at < base:  # heartbeats may be waiting or lost
                timeout *= LOSS_LENIENCY
            wait = devices.next_expiry(now, timeout)
            if wait is None:
                return
            if timeout != base:  # the leniency ends: look again then, strictly
                wait = min(wait, self._behind_at + base - now)
            await self.clock.sleep_until(now + wait + 0.001)
            devices, now = self.ctl.engine.devices, self.clock.monotonic()
            timeout = base * (LOSS_LENIENCY if now - self._behind_at < base else 1.0)
            for device in devices.expire(now, self.clock.time(), timeout):
                self.bus.publish(events.DEVICE, device=device, online=False,
                                 last_seen=devices.last_seen.get(device),
                                 reason=devices.offline_reason.get(device))

    def input_behind(self, lost: int = 0) -> None:
        """An input face cannot keep up (a flood fills the kernel's queue) and lost `lost`
        datagrams: for a while, a device's silence may be that, not the device."""
        self._behind_at = self.clock.monotonic()
        if lost:
            self.ctl.count("input.lost", lost)

    def addresses_changed(self) -> None:
        """The resolver's answers changed: a device with no address is offline, with why."""
        devices, resolver = self.ctl.engine.devices, self.ctl.engine.resolver
        for device in self.ctl.venue.devices:
            reason, was = resolver.error(device.host), self._unresolved.get(device.id)
            if reason == was:
                continue
            if reason is None:
                del self._unresolved[device.id]
                if devices.offline_reason.get(device.id) == was:
                    del devices.offline_reason[device.id]
            else:
                self._unresolved[device.id] = reason
                devices.went_offline(device.id, self.clock.time(), reason)
            self.bus.publish(events.DEVICE, device=device.id,
                             online=devices.online[device.id],
                             last_seen=devices.last_seen.get(device.id),
                             reason=devices.offline_reason.get(device.id))

    def restart_watch(self) -> None:
        """A reloaded venue's heartbeat timeout applies now, not at the old expiry."""
        if self._watch is not None and not self._watch.done():
            self._watch.cancel()
            self._watch = asyncio.get_running_loop().create_task(self._watch_liveness())

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
