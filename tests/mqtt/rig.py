"""A room on a real broker: the Controller (real time), its OSC input, simulated screens
(their heartbeats keep them online) and the MQTT face, connected to a Mosquitto of the
test's own; a watcher client (aiomqtt) that keeps the latest value of every topic, and
Mosquitto's own command-line clients as independent peers."""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiomqtt

from showctl.core.clock import SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.mqtt import MqttFace
from showctl.osc.server import OscServer
from showctl.sim.simulator import Simulator
from tests.mqtt.broker import Mosquitto
from tests.support import write_config
from tests.web.conftest import TOKENS, web_section

PREFIX = "museum/room1"
LONG_SHOW = {"id": "long", "title": "Long film", "preroll": 0.2, "cues": [
    {"id": "1", "at": 0, "name": "Opening", "screens": "all", "play": {"media": "m_{screen}.mp4"}},
    {"id": "2", "at": 600, "name": "End", "screens": "all", "black": {"fade": 1}}]}


@dataclass
class Watcher:
    """A subscriber of its own that keeps the newest payload of each topic."""

    broker: Mosquitto
    topics: tuple[str, ...] = (f"{PREFIX}/#",)
    latest: dict[str, str] = field(default_factory=dict)
    seen: list[tuple[str, str]] = field(default_factory=list)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None
    client: aiomqtt.Client | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)

    async def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())
        async with asyncio.timeout(10):
            await self.ready.wait()

    async def _run(self) -> None:
        async with aiomqtt.Client("127.0.0.1", self.broker.port, username="watcher",
                                  password="watcher-pw", identifier="test-watcher") as client:
            self.client = client
            for topic in self.topics:
                await client.subscribe(topic, qos=1)
            self.ready.set()
            async for message in client.messages:
                payload = message.payload
                text = payload.decode() if isinstance(payload, bytes) else str(payload)
                self.latest[str(message.topic)] = text
                self.seen.append((str(message.topic), text))
                self._changed.set()

    async def until(self, topic: str, value: str | None = None, *,
                    timeout: float = 10.0, check: Any = None) -> str:
        """Waits for `topic` to hold `value` (or any value `check` accepts)."""
        async with asyncio.timeout(timeout):
            while True:
                got = self.latest.get(topic)
                if got is not None and (value is None or got == value) and (
                        check is None or check(got)):
                    return got
                self._changed.clear()
                await self._changed.wait()

    async def reply(self, verb: str, request_id: str, timeout: float = 10.0) -> dict:
        topic = f"{PREFIX}/reply/{verb}"
        async with asyncio.timeout(timeout):
            while True:
                for t, text in self.seen:
                    if t == topic and json.loads(text).get("id") == request_id:
                        return json.loads(text)
                self._changed.clear()
                await self._changed.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


USERS = {"showctl": "controller-pw", "watcher": "watcher-pw", "button": "button-pw"}
ACL = f"""user showctl
topic readwrite {PREFIX}/#
topic read museum/buttons/#
topic write homeassistant/#
user watcher
topic read {PREFIX}/#
topic write {PREFIX}/cmd/#
topic read homeassistant/#
user button
topic write museum/buttons/#
"""


@dataclass
class MqttRoom:
    root: Path
    broker: Mosquitto
    controller: Controller
    face: MqttFace
    osc: OscServer
    sim: Simulator
    watcher: Watcher

    async def command(self, verb: str, body: dict | str = "", *, token: str | None = None,
                      request_id: str = "q1") -> dict:
        """A command from the watcher's connection; its reply."""
        if isinstance(body, dict):
            payload = json.dumps({**body, "id": request_id,
                                  **({"token": token} if token else {})})
        else:
            payload = body
        assert self.watcher.client is not None
        await self.watcher.client.publish(f"{PREFIX}/cmd/{verb}", payload, qos=1)
        return await self.watcher.reply(verb, request_id)

    async def retained(self) -> dict[str, str]:
        """What a newcomer gets: the messages mosquitto_sub marks retained (`%r`) under
        the prefix and the discovery prefix, read for 2 s (not --retained-only: that ends
        at the first live message, which may come between the two filters' retained
        sets on a busy machine)."""
        proc = await asyncio.create_subprocess_exec(
            "mosquitto_sub", "-h", "127.0.0.1", "-p", str(self.broker.port), "-u", "watcher",
            "-P", "watcher-pw", "-t", f"{PREFIX}/#", "-t", "homeassistant/#",
            "-F", "%r %t %p", "-W", "2", stdout=asyncio.subprocess.PIPE)
        try:
            async with asyncio.timeout(15):  # -W 2: it ends by itself
                out, _ = await proc.communicate()
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
        found = {}
        for line in out.decode().splitlines():
            flag, _, rest = line.partition(" ")
            topic, _, value = rest.partition(" ")
            if flag == "1":
                found[topic] = value
        return found

    async def publish_lines(self, topic: str, lines: list[str]) -> None:
        """mosquitto_pub -l: each line one message, from one connection, as fast as it
        goes (a visitor's hammering, or a sensor's chatter), QoS 1."""
        proc = await asyncio.create_subprocess_exec(
            "mosquitto_pub", "-h", "127.0.0.1", "-p", str(self.broker.port), "-u", "button",
            "-P", "button-pw", "-t", topic, "-q", "1", "-l", stdin=asyncio.subprocess.PIPE)
        await proc.communicate(("\n".join(lines) + "\n").encode())
        assert proc.returncode == 0

    async def close(self) -> None:
        await self.face.stop()
        await self.watcher.stop()
        await self.sim.stop()
        await self.osc.stop()
        await self.controller.close()
        await self.broker.stop()


async def open_room(root: Path, *, mqtt: dict | None = None, triggers: list | None = None,
                    shows: list | None = None, screens: int = 3) -> MqttRoom:
    broker = Mosquitto(root, users=USERS, acl=ACL)
    await broker.start()
    (root / "config").mkdir(parents=True, exist_ok=True)
    (root / "config" / "mqtt.pw").write_text("controller-pw\n")
    section = {"broker": f"127.0.0.1:{broker.port}", "user": "showctl",
               "password_file": "mqtt.pw", "prefix": PREFIX, **(mqtt or {})}
    venue = write_config(root, screens=screens, shows=shows or [LONG_SHOW], venue_extra={
        "web": web_section(), "mqtt": section, "triggers": triggers or []})
    config = load_config(venue)
    controller = Controller(config, SystemClock())
    osc = OscServer(controller)
    await osc.start()
    sim = Simulator(config.venue, config.venue.osc.listen, report=lambda device, line: None)
    await sim.start()
    watcher = Watcher(broker)
    await watcher.start()
    face = MqttFace(controller)
    await face.start()
    async with asyncio.timeout(10):
        await face.connected.wait()
    return MqttRoom(root, broker, controller, face, osc, sim, watcher)


@contextlib.asynccontextmanager
async def room(root: Path, **kwargs: Any):
    opened = await open_room(root, **kwargs)
    try:
        yield opened
    finally:
        await opened.close()


__all__ = ["PREFIX", "TOKENS", "MqttRoom", "Watcher", "open_room", "room"]
