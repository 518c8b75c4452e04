"""A room for the power plan: a controller on a FakeClock, PJLink projectors emulated on
127.0.0.1 (warming on the same fake clock), a UDP socket catching wake-on-LAN packets,
and the schedule and power runners; what the bus said, with the local time."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from showctl.core.clock import FakeClock, settle
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.scheduling.power import PowerRunner, awake_window
from showctl.scheduling.runner import ScheduleRunner
from showctl.sim.projector import ProjectorSim
from tests.support import SMALL_SHOW, free_port, write_config

PARIS = ZoneInfo("Europe/Paris")
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
MACS = {"screen1": "00:11:22:33:44:01", "screen2": "00:11:22:33:44:02"}


class WolCatcher(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.packets: list[bytes] = []

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.packets.append(data)


@dataclass
class PowerRoom:
    clock: FakeClock
    controller: Controller
    projectors: dict[str, ProjectorSim]
    wol: WolCatcher
    schedule: ScheduleRunner | None = None
    power: PowerRunner | None = None
    events: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    closers: list[Any] = field(default_factory=list)
    alive: bool = False  # the PCs answer: heartbeats at every step of `run_until`
    _moved: asyncio.Event = field(default_factory=asyncio.Event)

    def local(self) -> str:
        return datetime.fromtimestamp(self.clock.time(), PARIS).strftime("%a %H:%M")

    def powers(self) -> list[str]:
        """Each finished power sequence: "Mon 09:15 on ok"."""
        return [f"{at} {d['state']} {'ok' if d['report']['ok'] else 'FAILED'}"
                for at, kind, d in self.events if kind == "power" and d["report"]]

    def starts(self) -> list[str]:
        return [f"{at} {d['show']}" for at, kind, d in self.events
                if kind == "cue" and d["cue"] == "1"]

    def skipped(self) -> list[str]:
        return [f"{datetime.fromisoformat(d['scheduled']):%a %H:%M} {d['reason']}"
                for _, kind, d in self.events if kind == "run" and d["event"] in ("skip", "miss")]

    async def run_until(self, local: datetime, *, step: float = 1.0) -> None:
        """Moves the fake clock to Paris time `local`; around each finished sequence step
        by step so the projectors' real TCP exchanges keep up with the fake time."""
        await self._run(local.replace(tzinfo=PARIS).timestamp(), None, step)

    async def drive(self, work: Any, *, within: float = 600.0, step: float = 1.0) -> Any:
        """Awaits `work` (a power sequence, a check) while moving the fake clock on."""
        task = asyncio.ensure_future(work)
        await self._run(self.clock.time() + within, task, step)
        assert task.done(), f"not done within {within} s of fake time"
        return task.result()

    async def _run(self, target: float, task: asyncio.Future[Any] | None, step: float) -> None:
        """Big steps of fake time, but never across a power edge: from an edge on, small
        steps while the sequence talks to the emulators (real TCP, real time)."""
        while self.clock.time() < target and not (task is not None and task.done()):
            busy = task is not None or (self.power is not None and self.power.busy)
            ahead = self._to_next_wake(step) if busy else self._to_next_edge()
            if self.alive:
                heartbeats(self)
            self._moved.clear()
            await self.clock.advance(max(0.0, min(ahead, target - self.clock.time())))
            if busy or (self.power is not None and self.power.busy):
                # real I/O with the emulators: wait for the next event, briefly
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._moved.wait(), 0.02)

    def _to_next_wake(self, step: float) -> float:
        """While a sequence runs: to the next instant anything sleeps until."""
        sleepers = self.clock._sleepers  # the FakeClock's heap of (deadline, seq, future)
        return min(step, max(0.0, sleepers[0][0] - self.clock.monotonic())) if sleepers \
            else step

    def _to_next_edge(self) -> float:
        now = datetime.fromtimestamp(self.clock.time(), PARIS)
        edges = [edge for day in (now.date(), now.date() + timedelta(days=1))
                 for edge in awake_window(self.controller.config.schedule, PARIS, day) or ()]
        ahead = [edge.timestamp() - now.timestamp() for edge in edges
                 if edge.timestamp() > now.timestamp()]
        return min([3600.0, *ahead])

    async def close(self) -> None:
        for runner in (self.schedule, self.power):
            if runner is not None:
                await runner.stop()
        for projector in self.projectors.values():
            await projector.stop()
        for closer in self.closers:
            closer()
        await self.controller.close()


async def open_power_room(root: Path, schedule: dict, local: datetime, *,
                          projectors: int = 2, warm_up: float = 30.0, runners: bool = True,
                          venue: dict | None = None,
                          heartbeat_timeout: float = 3600.0) -> PowerRoom:
    clock = FakeClock(wall=local.replace(tzinfo=PARIS).timestamp())
    loop = asyncio.get_running_loop()
    wol_port = free_port()
    transport, catcher = await loop.create_datagram_endpoint(
        WolCatcher, local_addr=("127.0.0.1", wol_port))
    sims = {f"proj{n}": ProjectorSim(password="sesame", warm_up=warm_up, cool_down=20.0,
                                     clock=clock.monotonic) for n in range(1, projectors + 1)}
    for sim in sims.values():
        await sim.start()
    path = write_config(root, screens=3, shows=[SMALL_SHOW], schedule=schedule, venue_extra={
        "wake_on_lan": {"address": "127.0.0.1", "port": wol_port}, **(venue or {})})
    data = yaml.safe_load(path.read_text())
    # the controller asks each projector every third of this (real TCP): a week of fake
    # time must not mean 360,000 exchanges with the emulators
    data["osc"]["heartbeat_timeout"] = heartbeat_timeout
    for device in data["devices"]:
        if device["id"] in MACS:
            device["mac"] = MACS[device["id"]]
    data["devices"] += [{"id": name, "kind": "projector", "host": "127.0.0.1",
                         "port": sim.port, "profile": "pjlink", "password": "sesame"}
                        for name, sim in sims.items()]
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    controller = Controller(load_config(path), clock)
    room = PowerRoom(clock, controller, sims, catcher, closers=[transport.close])

    def record(event: Any) -> None:
        room.events.append((room.local(), event.kind, event.data))
        room._moved.set()

    controller.bus.subscribe(record)
    if runners:
        room.schedule = ScheduleRunner(controller, clock, poll_every=3600)
        await room.schedule.start()
        room.power = PowerRunner(controller, clock, look_every=3600)
        await room.power.start()
        await settle()  # the runner has decided what the room should be now
    return room


def heartbeats(room: PowerRoom) -> None:
    """Every PC answers (as a booted player would)."""
    for device in room.controller.venue.devices:
        if device.kind != "projector":
            room.controller.heartbeat(device.id)
