"""The room's power sequence (SPEC 6.2): wake the PCs, projectors on through their
warm-up, then the self-check; at night the safe look, projectors off.

Coroutines, unlike the transport commands: projectors take a minute to warm up and
answer slowly, so each step awaits its device; progress goes out as `power` events and
the result is a `PowerReport` (one line per device). Waits run on the injected clock.
"""

from __future__ import annotations

import asyncio
import errno
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from showctl.core import events
from showctl.core.clock import Clock
from showctl.model import Device, Venue
from showctl.outputs import wol
from showctl.outputs.pjlink import PjlinkError, PjlinkUnavailable, Projector

log = logging.getLogger(__name__)
RoomPower = Literal["unknown", "waking", "on", "sleeping", "off", "partly on", "partly off",
                    "none"]
"""`partly on`/`partly off`: the last sequence failed for some device (`failed` says which,
`reason` why): the room is not what was asked, and says so; `none`: nothing in the venue
can be powered (no PJLink projector, no PC with a `mac`)."""
POLL = 2.0  # seconds between two power queries of a warming projector
TRIES = 3  # a projector that does not answer is asked this many times
AFTER_BLACK = 10.0  # longest wait for a running show's stop before projectors go off


@dataclass(frozen=True, slots=True)
class DeviceStep:
    device: str
    ok: bool
    message: str

    def as_json(self) -> dict[str, Any]:
        return {"device": self.device, "ok": self.ok, "message": self.message}


@dataclass(slots=True)
class PowerReport:
    action: Literal["on", "off"]
    by: str
    steps: list[DeviceStep] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(step.ok for step in self.steps)

    def as_json(self) -> dict[str, Any]:
        return {"action": self.action, "by": self.by, "ok": self.ok,
                "steps": [s.as_json() for s in self.steps]}


ProjectorFactory = Callable[[Device], Projector]


def projector_for(device: Device) -> Projector:
    return Projector(device.host, device.port, password=device.password)


class PowerSequence:
    def __init__(self, venue: Callable[[], Venue], clock: Clock, bus: events.EventBus,
                 *, projector: ProjectorFactory = projector_for) -> None:
        self._venue = venue
        self.clock = clock
        self.bus = bus
        self._projector = projector
        self.state: RoomPower = "unknown"
        self.since: float | None = None
        self.last: PowerReport | None = None
        self._lock = asyncio.Lock()

    def as_json(self) -> dict[str, Any]:
        venue = self._venue()
        controllable = bool(projectors(venue)) or any(d.mac for d in venue.devices)
        state: RoomPower = self.state if controllable else "none"
        failed = [step for step in self.last.steps if not step.ok] if self.last else []
        reason = None
        if not controllable:
            reason = ("nothing to power: the venue has no PJLink projector and no PC with a "
                      "mac address for wake-on-LAN")
        elif failed and self.state.startswith("partly"):
            reason = "; ".join(f"{step.device}: {step.message}" for step in failed)
        elif self.state == "unknown":
            reason = "no power sequence since the controller started"
        return {"state": state, "since": self.since, "controllable": controllable,
                "failed": [step.device for step in failed], "reason": reason,
                "last": self.last.as_json() if self.last else None}

    async def on(self, *, by: str) -> PowerReport:
        async with self._lock:  # one sequence at a time: a second waits for the first
            venue = self._venue()
            report = PowerReport("on", by)
            self._set("waking", by)
            report.steps.extend(self._wake(venue))
            steps = await asyncio.gather(*(self._projector_on(venue, d)
                                           for d in projectors(venue)))
            report.steps.extend(steps)
            return self._done(report, "on")

    async def off(self, *, by: str, safe: Callable[[], Any]) -> PowerReport:
        """`safe` brings the show to its end (black, safe look) and returns an awaitable
        that completes when the room is idle."""
        async with self._lock:
            venue = self._venue()
            report = PowerReport("off", by)
            self._set("sleeping", by)
            try:
                async with asyncio.timeout(AFTER_BLACK):
                    await safe()
            except TimeoutError:
                log.warning("the show did not end within %.0f s of power off", AFTER_BLACK)
            steps = await asyncio.gather(*(self._projector_off(d) for d in projectors(venue)))
            report.steps.extend(steps)
            return self._done(report, "off")

    async def projector_states(self) -> list[dict[str, Any]]:
        """Each projector's answer now (`showctl power status`, the self-check)."""
        venue = self._venue()
        return list(await asyncio.gather(*(self._query(d) for d in projectors(venue))))

    # -- steps --------------------------------------------------------------------------
    def _wake(self, venue: Venue) -> list[DeviceStep]:
        macs = [d for d in venue.devices if d.mac]
        if not macs:
            return []
        target = (str(venue.wake_on_lan.address), venue.wake_on_lan.port)
        try:
            wol.wake([d.mac for d in macs if d.mac], *target,
                     interface=venue.wake_on_lan.interface)
        except OSError as exc:
            hint = ""
            if exc.errno == errno.ENETUNREACH:
                hint = (" (no route that way: give wake_on_lan.interface, or the PCs' "
                        "subnet broadcast as wake_on_lan.address)")
            return [DeviceStep(d.id, False, f"wake-on-LAN to {target[0]}:{target[1]} "
                               f"failed: {exc.strerror or exc}{hint}") for d in macs]
        return [DeviceStep(d.id, True, f"woken ({d.mac})") for d in macs]

    async def _projector_on(self, venue: Venue, device: Device) -> DeviceStep:
        projector = self._projector(device)
        deadline = self.clock.monotonic() + venue.check.warm_up_timeout
        asked, failures, last = False, 0, ""
        while self.clock.monotonic() < deadline:
            try:
                if not asked:
                    await projector.power_on()
                    asked = True
                power = await projector.power()
                if power == "on":
                    if device.input:
                        await projector.set_input(device.input)
                    return DeviceStep(device.id, True, "on")
                last = f"still {power}"
                if power in ("off", "cooling"):
                    asked = False  # cooling refuses POWR 1 (ERR3): ask again when it can
            except PjlinkUnavailable as exc:
                last = str(exc)
            except PjlinkError as exc:
                failures, last = failures + 1, str(exc)
                if failures >= TRIES:
                    return self._failed(device, f"no power on after {TRIES} tries: {last}")
            await self.clock.sleep_until(self.clock.monotonic() + POLL)
        return self._failed(device, f"not on within {venue.check.warm_up_timeout:g} s "
                                    f"({last or 'no answer'})")

    async def _projector_off(self, device: Device) -> DeviceStep:
        projector = self._projector(device)
        last = ""
        for attempt in range(TRIES):
            try:
                await projector.power_off()
                return DeviceStep(device.id, True, "off (cooling down)")
            except PjlinkUnavailable:
                return DeviceStep(device.id, True, "already off or cooling")
            except PjlinkError as exc:
                last = str(exc)
            if attempt + 1 < TRIES:
                await self.clock.sleep_until(self.clock.monotonic() + POLL)
        return self._failed(device, f"no power off after {TRIES} tries: {last}")

    async def _query(self, device: Device) -> dict[str, Any]:
        try:
            status = await self._projector(device).status()
        except PjlinkError as exc:
            return {"device": device.id, "answered": False, "error": str(exc)}
        return {"device": device.id, "answered": True, **status.as_json(),
                "faults": status.faults}

    def _failed(self, device: Device, message: str) -> DeviceStep:
        log.error("%s: %s", device.id, message)
        return DeviceStep(device.id, False, message)

    def _set(self, state: RoomPower, by: str) -> None:
        self.state, self.since = state, self.clock.time()
        self.bus.publish(events.POWER, self.clock.time(), state=state, by=by, report=None)

    def _done(self, report: PowerReport, state: RoomPower) -> PowerReport:
        self.last = report
        if not report.ok:  # one state that agrees with the outcome, not "off" after a failure
            state = "partly on" if state == "on" else "partly off"
        self.state, self.since = state, self.clock.time()
        self.bus.publish(events.POWER, self.clock.time(), state=state, by=report.by,
                         report=report.as_json())
        return report


def projectors(venue: Venue) -> list[Device]:
    return [d for d in venue.devices if d.kind == "projector" and d.profile == "pjlink"]


