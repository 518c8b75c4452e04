"""`MqttFace`: the room on the building's MQTT broker (SPEC 7.6, docs/mqtt.md).

Out: the state as retained topics under `PREFIX/state/...`, `PREFIX/status` online (and
`offline` as the last will), Home Assistant discovery when asked. In: commands on
`PREFIX/cmd/<verb>` answered on `PREFIX/reply/<verb>`, and the venue's triggers.

The broker never touches the show. The bus listener only sets a flag; one task turns
`status()` into the topic map (`state.state_topics`) at most PUBLISH_RATE times a second
and once a second while a show runs; another sends what differs from what the broker
holds. What waits to be sent is that map itself, one value per topic: it cannot grow,
and a value not yet sent is replaced by the newer one (coalesced to the latest). A lost
broker means the connection task waits (back-off to BACKOFF_MAX) and reconnects; on
every connection the whole state is published again.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import random
import ssl
from pathlib import Path
from typing import Any

import aiomqtt

from showctl.core import events
from showctl.core.controller import Controller
from showctl.core.errors import CommandError
from showctl.errors import UserError
from showctl.model.mqtt import Mqtt, MqttTls
from showctl.model.venue import Venue
from showctl.mqtt import commands, state
from showctl.mqtt.triggers import Triggers, act, describe

log = logging.getLogger(__name__)

PUBLISH_RATE = 5.0  # state computations a second at most (a burst of events is one)
BACKOFF_MIN, BACKOFF_MAX = 0.5, 30.0  # seconds between two connection attempts
RUNNING = {"prerolling", "running", "holding", "paused", "stopping"}
LONG_MAX = 8  # power and check commands at once (each waits on the room)
REPLIES_MAX = 256  # replies on their way to the broker at once


def prefix_of(venue: Venue) -> str:
    assert venue.mqtt is not None
    return venue.mqtt.prefix or f"showctl/{venue.venue}"


def _tls_context(tls: bool | MqttTls, base: Path) -> ssl.SSLContext | None:
    if tls is False:
        return None
    settings = tls if isinstance(tls, MqttTls) else MqttTls()
    try:
        context = ssl.create_default_context(
            cafile=str(base / settings.ca_file) if settings.ca_file else None)
        if settings.cert_file is not None and settings.key_file is not None:
            context.load_cert_chain(base / settings.cert_file, base / settings.key_file)
    except (OSError, ssl.SSLError) as exc:
        raise UserError(f"mqtt.tls: {exc}") from None
    if settings.insecure:
        context.check_hostname = False
    return context


class MqttFace:
    def __init__(self, controller: Controller) -> None:
        venue = controller.venue
        if venue.mqtt is None:
            raise ValueError("the venue has no mqtt section")
        self.controller = controller
        self.clock = controller.clock
        self.settings: Mqtt = venue.mqtt
        self.prefix = prefix_of(venue)
        self.triggers = Triggers(venue.triggers, self.clock.monotonic)
        self.connected = asyncio.Event()
        self.connections = 0  # successful connections so far (tests, status)
        self._client: aiomqtt.Client | None = None
        self._desired: dict[str, str] = {}
        self._sent: dict[str, str] = {}  # what the broker holds from us on this connection
        self._dirty = asyncio.Event()
        self._changed = asyncio.Event()  # desired differs from sent
        self._tasks: list[asyncio.Task[None]] = []
        self._long: set[asyncio.Task[None]] = set()  # power and check, replied when done
        self._replies: set[asyncio.Task[None]] = set()
        self._unsubscribe: events.Unsubscribe | None = None
        self._password: str | None = None
        self._tls: ssl.SSLContext | None = None
        self._stopping = False

    # -- lifecycle ------------------------------------------------------------------
    async def start(self) -> None:
        base = self.controller.venue.source.parent if self.controller.venue.source \
            else Path.cwd()
        if self.settings.password_file is not None:
            path = base / self.settings.password_file
            try:
                self._password = path.read_text().strip()
            except OSError as exc:
                raise UserError(f"mqtt.password_file {path}: {exc.strerror or exc}") from None
        self._tls = _tls_context(self.settings.tls, base)
        self._unsubscribe = self.controller.bus.subscribe(self._on_event)
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._watch(), name="mqtt-state"),
                       loop.create_task(self._connection(), name="mqtt-connection")]
        host, port = self.settings.broker
        log.info("MQTT: broker %s:%s, topics under %s/", host, port, self.prefix)

    async def stop(self) -> None:
        self._stopping = True
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        client = self._client
        if client is not None and self.connected.is_set():
            # a clean goodbye says offline itself (the will is for when we cannot)
            with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
                await client.publish(f"{self.prefix}/status", state.OFFLINE, qos=1,
                                     retain=True, timeout=0.5)
        pending = [*self._tasks, *self._long, *self._replies]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        self._tasks = []

    # -- state out ------------------------------------------------------------------
    def _on_event(self, event: events.Event) -> None:
        self._dirty.set()  # nothing else on the bus's turn: the loop is the show's

    def _compute(self) -> None:
        status = self.controller.status()
        desired = state.state_topics(self.prefix, status)
        if self.settings.discovery:
            desired |= state.discovery_topics(
                self.prefix, self.settings.discovery_prefix, self.controller.venue.venue,
                [d["id"] for d in status.get("devices") or []])
        # a topic no longer there (a device gone in a reload) is cleared on the broker
        for topic in self._sent:
            desired.setdefault(topic, "")
        self._desired = desired
        if any(self._sent.get(t) != v for t, v in desired.items()):
            self._changed.set()

    async def _watch(self) -> None:
        """The topic map from status(): after events (a burst is one), and every second
        while a show runs (elapsed, remaining); on the injected clock."""
        period = 1.0 / PUBLISH_RATE
        self._dirty.set()
        while True:
            if self.controller.state in RUNNING:
                await self._dirty_or(self.clock.monotonic() + 1.0)
            else:
                await self._dirty.wait()
            self._dirty.clear()
            try:
                self._compute()
            except Exception:
                log.exception("MQTT: the state could not be computed; the broker keeps "
                              "the last values")
            await self.clock.sleep_until(self.clock.monotonic() + period)

    async def _dirty_or(self, deadline: float) -> None:
        """Until an event, or the deadline on the clock."""
        waits = [asyncio.ensure_future(self._dirty.wait()),
                 asyncio.ensure_future(self.clock.sleep_until(deadline))]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()

    async def _send(self, client: aiomqtt.Client) -> None:
        """Whatever differs from what the broker holds, newest value of each topic."""
        while True:
            await self._changed.wait()
            self._changed.clear()
            for topic, value in list(self._desired.items()):
                if self._sent.get(topic) == value:
                    continue
                await client.publish(topic, value, qos=1, retain=True)
                self._sent[topic] = value
                if value == "":
                    self._sent.pop(topic, None)  # cleared: nothing retained any more

    # -- the connection -------------------------------------------------------------
    def _client_for(self) -> aiomqtt.Client:
        host, port = self.settings.broker
        venue = self.controller.venue.venue
        return aiomqtt.Client(
            host, port, username=self.settings.user, password=self._password,
            identifier=self.settings.client_id or f"showctl-{venue}"[:64],
            will=aiomqtt.Will(f"{self.prefix}/status", state.OFFLINE, qos=1, retain=True),
            keepalive=self.settings.keepalive, tls_context=self._tls, timeout=10,
            max_queued_incoming_messages=1000, logger=log.getChild("client"))

    async def _connection(self) -> None:
        """Connect, serve, and on any loss wait and connect again: back-off doubling from
        BACKOFF_MIN to BACKOFF_MAX (with jitter, so rooms sharing a broker spread out),
        back to BACKOFF_MIN once a connection worked."""
        backoff = BACKOFF_MIN
        failing = False
        while not self._stopping:
            client = self._client_for()
            try:
                async with client:
                    self._client = client
                    await self._session(client, failing)
            except aiomqtt.MqttError as exc:
                if not failing or self.connected.is_set():
                    log.warning("MQTT: broker %s:%s: %s; retrying with back-off (the show "
                                "is not affected)", *self.settings.broker, exc)
                self.controller.count("mqtt.disconnects")
                if self.connected.is_set():
                    backoff = BACKOFF_MIN
                failing = True
            finally:
                self._client = None
                self.connected.clear()
            if self._stopping:
                return
            await self.clock.sleep_until(self.clock.monotonic()
                                         + backoff * random.uniform(0.8, 1.2))
            backoff = min(BACKOFF_MAX, backoff * 2)

    async def _session(self, client: aiomqtt.Client, was_failing: bool) -> None:
        self._sent = {}
        await client.publish(f"{self.prefix}/status", state.ONLINE, qos=1, retain=True)
        await client.subscribe(f"{self.prefix}/cmd/#", qos=1)
        for topic in self.triggers.topics:
            await client.subscribe(topic, qos=1)
        self.connections += 1
        self.connected.set()
        self.controller.count("mqtt.connections")
        (log.warning if was_failing else log.info)(
            "MQTT: connected to %s:%s%s", *self.settings.broker,
            " again: state published anew" if was_failing else "")
        self._dirty.set()
        self._changed.set()
        loop = asyncio.get_running_loop()
        both = {loop.create_task(self._send(client), name="mqtt-send"),
                loop.create_task(self._receive(client), name="mqtt-receive")}
        try:
            done, _ = await asyncio.wait(both, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in both:
                task.cancel()
            await asyncio.gather(*both, return_exceptions=True)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                raise task.exception()  # type: ignore[misc]

    async def _receive(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            self._on_message(client, str(message.topic), message.payload)

    # -- messages in ----------------------------------------------------------------
    def _on_message(self, client: aiomqtt.Client, topic: str, payload: Any) -> None:
        data = payload if isinstance(payload, bytes) else str(payload or "").encode()
        self.controller.count("mqtt.received")
        cmd = f"{self.prefix}/cmd/"
        if topic.startswith(cmd):
            self._command(client, topic[len(cmd):], data)
            return
        for index, trigger in self.triggers.matching(topic, data):
            self._trigger(index, trigger, topic)

    def _trigger(self, index: int, trigger: Any, topic: str) -> None:
        what = describe(trigger)
        ignored = self.triggers.press(index)
        if ignored is not None:
            self.controller.count(f"mqtt.trigger_{ignored}")
            return
        try:
            act(self.controller, trigger, by=f"mqtt-trigger:{topic}")
        except CommandError as exc:
            self.controller.count("mqtt.trigger_refused")
            log.info("MQTT trigger %s (%s): refused: %s", topic, what, exc)
            return
        self.controller.count("mqtt.triggered")
        log.info("MQTT trigger %s: %s", topic, what)

    def _command(self, client: aiomqtt.Client, verb_name: str, payload: bytes) -> None:
        request_id = commands.request_id(payload)
        try:
            verb, extra = commands.find(verb_name)
            request = commands.parse(verb, payload)
            request_id = request.id
            name, role = commands.identify(self.controller.venue, request.token,
                                           self.settings.role)
            commands.allow(verb_name, verb, name, role)
            data = verb.run(self.controller, {**request.args, **extra}, f"mqtt:{name}")
        except CommandError as exc:
            self._refuse(client, verb_name, str(exc), request_id)
            return
        except Exception as exc:
            log.error("MQTT %s failed", verb_name, exc_info=exc)
            self._refuse(client, verb_name, "internal error (see the controller's log)",
                         request_id)
            return
        if inspect.isawaitable(data):
            if len(self._long) >= LONG_MAX:
                data.close()  # type: ignore[attr-defined]
                self._refuse(client, verb_name, "busy: too many power/check commands "
                             "waiting", request_id)
                return
            task = asyncio.get_running_loop().create_task(
                self._reply_when_done(client, verb_name, data, request_id))
            self._long.add(task)
            task.add_done_callback(self._long.discard)
            return
        self.controller.count("mqtt.ok")
        self._reply(client, verb_name, {"status": "ok", "data": data}, request_id)

    async def _reply_when_done(self, client: aiomqtt.Client, verb: str, work: Any,
                               request_id: Any) -> None:
        try:
            data = await work
        except CommandError as exc:
            self._refuse(client, verb, str(exc), request_id)
            return
        except Exception as exc:
            log.error("MQTT %s failed", verb, exc_info=exc)
            self._refuse(client, verb, "internal error (see the controller's log)", request_id)
            return
        self.controller.count("mqtt.ok")
        self._reply(client, verb, {"status": "ok", "data": data}, request_id)

    def _refuse(self, client: aiomqtt.Client, verb: str, reason: str, request_id: Any) -> None:
        self.controller.count("mqtt.refused")
        self.controller.count("mqtt.errors")
        log.warning("MQTT command %s refused: %s", verb[:80], reason)  # rate-limited (lograte)
        self._reply(client, verb, {"status": "error", "error": reason}, request_id)

    def _reply(self, client: aiomqtt.Client, verb: str, body: dict[str, Any],
               request_id: Any) -> None:
        """On `PREFIX/reply/<verb>`, not retained; sent from a task of its own so a
        command's handling never waits for the broker."""
        if request_id is not None:
            body["id"] = request_id
        body["command"] = verb
        text = json.dumps(body, default=str)
        topic = f"{self.prefix}/reply/{verb}"

        async def send() -> None:
            with contextlib.suppress(aiomqtt.MqttError, TimeoutError):
                await client.publish(topic, text, qos=1, timeout=5)
        if len(self._replies) >= REPLIES_MAX:
            self.controller.count("mqtt.replies_dropped")
            return  # a flood of commands: their answers are the first thing to go
        task = asyncio.get_running_loop().create_task(send())
        self._replies.add(task)
        task.add_done_callback(self._replies.discard)
