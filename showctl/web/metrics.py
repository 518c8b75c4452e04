"""`GET /metrics`: the room in Prometheus's text format, for watching a fleet of rooms.

Gauges are read from `Controller.status()` at each scrape (one source of truth: nothing
here can disagree with the dashboard); only what status does not keep is counted here
from the bus: cue dispatch lateness (a histogram) and scheduled starts by outcome.
Guarded like the API (a token of any role) unless the venue says `metrics.open: true`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from showctl.core import events
from showctl.web.security import identify, json_error

STATES = ("idle", "loaded", "prerolling", "running", "holding", "paused", "stopping")
LATENESS_BUCKETS = (0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1, 1.0)
START_OUTCOMES = {"start": "run", "skip": "skipped", "miss": "missed"}


class RoomMetrics:
    """A registry of its own per controller (tests run several in one process)."""

    def __init__(self, controller: Any) -> None:
        self.controller = controller
        self.registry = CollectorRegistry(auto_describe=True)
        self.lateness = Histogram("showctl_cue_lateness_seconds",
                                  "How late each cue's burst left against its instant",
                                  buckets=LATENESS_BUCKETS, registry=self.registry)
        self.starts = Counter("showctl_scheduled_starts", "Scheduled starts by outcome",
                              ["outcome"], registry=self.registry)
        for outcome in START_OUTCOMES.values():
            self.starts.labels(outcome)  # 0 from the start: rate() needs a first sample
        self.registry.register(_StatusCollector(controller))
        self._unsubscribe = controller.bus.subscribe(self._on_event)

    def close(self) -> None:
        self._unsubscribe()

    def _on_event(self, event: events.Event) -> None:
        d = event.data
        if event.kind == events.CUE and d.get("deadline_wall") is not None:
            self.lateness.observe(max(0.0, self.controller.clock.time() - d["deadline_wall"]))
        elif event.kind == events.RUN and d.get("by") == "schedule" \
                and d.get("event") in START_OUTCOMES:
            self.starts.labels(START_OUTCOMES[d["event"]]).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _StatusCollector:
    def __init__(self, controller: Any) -> None:
        self.controller = controller

    def describe(self) -> list[Metric]:
        return []  # read at collect time; names are fixed below

    def collect(self) -> Iterator[Metric]:
        status = self.controller.status()
        state = GaugeMetricFamily("showctl_transport_state",
                                  "1 for the transport state the room is in", labels=["state"])
        for name in STATES:
            state.add_metric([name], 1.0 if status["state"] == name else 0.0)
        yield state
        show = GaugeMetricFamily("showctl_show_time_seconds", "Show time of the loaded show")
        show.add_metric([], float(status.get("time") or 0.0))
        yield show
        held = GaugeMetricFamily("showctl_schedule_held", "1 while the schedule is held")
        held.add_metric([], 1.0 if status["schedule"].get("held") else 0.0)
        yield held
        yield from _devices(status["devices"])
        counters = GaugeMetricFamily("showctl_events", "The controller's own counters "
                                     "(OSC received/refused, alerts sent/failed, ...) since "
                                     "start", labels=["name"])
        for name, value in sorted(status.get("counters", {}).items()):
            counters.add_metric([name], float(value))
        yield counters
        check = status.get("check")
        if check:
            ready = GaugeMetricFamily("showctl_check_ready",
                                      "1 when the last self-check found the room ready")
            ready.add_metric([], 1.0 if check.get("ready") else 0.0)
            yield ready
        storage = GaugeMetricFamily("showctl_state_write_failing", "State files in "
                                    "state_dir whose last write failed (0: all written)")
        storage.add_metric([], float(len((status.get("storage") or {}).get("failing") or {})))
        yield storage
        if status.get("standby"):
            yield from _standby(status["standby"])


def _standby(standby: dict[str, Any]) -> Iterator[Metric]:
    """Two controllers (docs/standby.md): the role, the replication, the term."""
    active = GaugeMetricFamily("showctl_standby_active", "1 on the active controller of "
                               "the pair, 0 on the standby one", labels=["me", "peer"])
    active.add_metric([standby["me"], standby["peer"]],
                      1.0 if standby["role"] == "active" else 0.0)
    yield active
    following = GaugeMetricFamily("showctl_standby_following", "1 while the replication "
                                  "link with the other controller is up")
    following.add_metric([], 1.0 if standby["following"] else 0.0)
    yield following
    epoch = GaugeMetricFamily("showctl_standby_epoch", "The controller's term: rises at "
                              "every takeover")
    epoch.add_metric([], float(standby["epoch"]))
    yield epoch


def _devices(devices: list[dict[str, Any]]) -> Iterator[Metric]:
    online = GaugeMetricFamily("showctl_device_online", "1 while the device answers",
                               labels=["device", "kind"])
    sync = GaugeMetricFamily("showctl_device_sync_error_ms",
                             "A player's own sync error against the show clock",
                             labels=["device"])
    power = GaugeMetricFamily("showctl_projector_power",
                              "1 for the power state a projector reports",
                              labels=["device", "state"])
    liveness = GaugeMetricFamily(
        "showctl_device_liveness", "1 for the device's liveness: online, offline, or unknown "
        "(it cannot say it is there: shown, never missing)", labels=["device", "kind", "liveness"])
    lamp = GaugeMetricFamily("showctl_projector_lamp_seconds",  # Prometheus base unit
                             "Lamp time a projector reports (PJLink counts hours)",
                             labels=["device", "lamp"])
    for device in devices:
        online.add_metric([device["id"], device["kind"]], 1.0 if device.get("online") else 0.0)
        state = device.get("liveness") or ("online" if device.get("online") else "offline")
        for one in ("online", "offline", "unknown"):
            liveness.add_metric([device["id"], device["kind"], one], float(one == state))
        confirmed = device.get("confirmed") or {}
        if confirmed.get("sync_error_ms") is not None:
            sync.add_metric([device["id"]], float(confirmed["sync_error_ms"]))
        projector = (device.get("said") or {}).get("projector") or {}  # its last PJLink answer
        if projector.get("power"):
            power.add_metric([device["id"], str(projector["power"])], 1.0)
        for n, one in enumerate(projector.get("lamps") or (), start=1):
            lamp.add_metric([device["id"], str(n)], float(one["hours"]) * 3600.0)
    yield from (online, liveness, sync, power, lamp)


METRICS = web.AppKey("metrics", RoomMetrics)
routes = web.RouteTableDef()


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.StreamResponse:
    room = request.app[METRICS]
    if not room.controller.venue.metrics.enabled:
        return json_error(404, "metrics are off (venue metrics.enabled: false)")
    if not room.controller.venue.metrics.open:
        identity, why = identify(request)
        if identity is None:
            return json_error(401, f"{why}: GET /metrics needs an API token "
                                   "(Authorization: Bearer ...) unless metrics.open is true")
    return web.Response(body=room.render(), headers={"Content-Type": CONTENT_TYPE_LATEST})
