"""Sending alerts without ever touching the show.

Alerts from the bus are grouped per target for `GROUP` seconds (nine screens going
offline together are one message), at most one message per target per `SPACING`
seconds (a flapping device cannot flood a mailbox: what comes meanwhile joins the next
message), and sent by Apprise on a thread of its own: a mail server that hangs or
refuses holds that thread, never the loop. A failed send is retried `len(RETRY)` times;
every outcome is reported to the core (`Controller.record_alert`) so the dashboard,
status and metrics show what was sent and what failed.

A projector's fault (ERST) is alerted when the liveness poll first sees it and when it
clears, not at each poll, reconnection or self-check that sees it again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import apprise

from showctl.alerts.rules import (
    ALERT_KINDS,
    PROBLEMS,
    Alert,
    fault_changes,
    from_check,
    from_event,
    projector_faults,
)
from showctl.core import events
from showctl.core.check import fault_message
from showctl.core.clock import Clock
from showctl.core.controller import Controller
from showctl.logtext import escape
from showctl.model.venue import AlertTarget

log = logging.getLogger(__name__)
GROUP = 10.0
SPACING = 60.0
RETRY = (15.0, 60.0, 300.0)
SEND_TIMEOUT = 30.0  # Apprise's own connect/read timeouts are shorter; this bounds the rest


@dataclass(slots=True)
class _Target:
    url: str
    shown: str  # the URL with its secrets masked, for logs and the dashboard
    kinds: frozenset[str]
    pending: list[Alert] = field(default_factory=list)
    last_sent: float = float("-inf")  # monotonic
    task: asyncio.Task[None] | None = None


Send = Callable[[str, str, str], bool]
"""(url, title, body) -> delivered; blocking, run on the alert thread."""


class NotDelivered(Exception):
    """Apprise said no; the message is its own reason (what it logged while trying)."""


REASON_MAX = 300  # characters of Apprise's reason kept (status, log, dashboard)


class _Reasons(logging.Handler):
    """What Apprise logs at WARNING and above while it sends (on whichever thread its
    plugin uses): the only place it says why a notification failed (notify() returns
    just False). Two targets failing at the same instant may share their reasons."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.lines) < 10:
            self.lines.append(record.getMessage())


def apprise_send(url: str, title: str, body: str) -> bool:
    notifier = apprise.Apprise()
    if not notifier.add(url):
        raise ValueError("Apprise cannot use this URL")
    reasons = _Reasons()
    logger = logging.getLogger("apprise")
    logger.addHandler(reasons)
    try:
        delivered = bool(notifier.notify(title=title, body=body))
    finally:
        logger.removeHandler(reasons)
    if not delivered:
        said = "; ".join(dict.fromkeys(line.strip() for line in reasons.lines if line.strip()))
        raise NotDelivered(escape(said[:REASON_MAX]) or "Apprise gave no reason")
    return True


def masked(url: str) -> str:
    notifier = apprise.Apprise()
    if notifier.add(url):
        return str(next(iter(notifier)).url(privacy=True))  # type: ignore[no-untyped-call]
    return url.split("://", 1)[0] + "://…"


class AlertService:
    def __init__(self, controller: Controller, clock: Clock, *, send: Send = apprise_send,
                 restarted: str | None = None) -> None:
        self.controller = controller
        self.clock = clock
        self._send = send
        self.restarted = restarted  # what the restart did to a show left running
        self._targets: list[_Target] = []
        self._offline: set[str] = set()
        self._faults: dict[str, dict[str, str]] = {}  # per projector, the flags alerted
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="alerts")
        self._unsubscribe: Callable[[], None] | None = None

    async def start(self) -> None:
        self._targets = [_target(t) for t in self.controller.venue.alerts]
        self._unsubscribe = self.controller.bus.subscribe(self._on_event)
        venue = self.controller.venue.venue
        text = f"showctl started for {venue}" + (f": {self.restarted}"
                                                  if self.restarted else "")
        self.raise_alert(Alert("controller_restarted", venue, text, self.clock.time()))
        if self.restarted:
            self.raise_alert(Alert("show_interrupted", venue, self.restarted,
                                   self.clock.time()))

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        tasks = [t.task for t in self._targets if t.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def raise_alert(self, alert: Alert) -> None:
        if alert.kind == "device_offline":
            self._offline.add(alert.subject)
        elif alert.kind == "device_online":
            if alert.subject not in self._offline:
                return  # first contact after start-up is no news
            self._offline.discard(alert.subject)
        for target in self._targets:
            if alert.kind in target.kinds:
                target.pending.append(alert)
                if target.task is None or target.task.done():
                    target.task = asyncio.get_running_loop().create_task(
                        self._deliver(target), name="alert")

    def _on_event(self, event: events.Event) -> None:
        if event.kind == events.CHECK:
            for alert in from_check(event):
                if not self._known_fault(alert):
                    self.raise_alert(alert)
            return
        faults = projector_faults(event)
        if faults is not None:
            device = str(event.data.get("device"))
            for alert in fault_changes(device, self._faults.get(device, {}), faults,
                                       event.wall):
                self.raise_alert(alert)
            self._faults[device] = faults
        found = from_event(event)
        if found is not None:
            self.raise_alert(found)

    def _known_fault(self, alert: Alert) -> bool:
        """A check's projector fault that the polls already alerted (and that has not
        cleared since): a lamp error present for hours is one alert, not one a check."""
        known = self._faults.get(alert.subject, {})
        return alert.kind == "projector_error" and alert.text in {
            f"{alert.subject}: {fault_message(kind, level)}" for kind, level in known.items()}

    async def _deliver(self, target: _Target) -> None:
        """Waits out the grouping window and the spacing, then sends what is pending."""
        while target.pending:
            await self.clock.sleep_until(max(self.clock.monotonic() + GROUP,
                                             target.last_sent + SPACING))
            batch, target.pending = target.pending, []
            title, body = compose(self.controller.venue.venue, batch)
            target.last_sent = self.clock.monotonic()
            await self._send_with_retries(target, title, body, batch)

    async def _send_with_retries(self, target: _Target, title: str, body: str,
                                 batch: list[Alert]) -> None:
        kinds = sorted({a.kind for a in batch})
        for attempt, pause in enumerate((*RETRY, None)):
            error = None
            try:
                async with asyncio.timeout(SEND_TIMEOUT):
                    ok = await asyncio.get_running_loop().run_in_executor(
                        self._pool, self._send, target.url, title, body)
                if not ok:
                    error = "not delivered (see the log for Apprise's reason)"
            except TimeoutError:
                error = f"no answer within {SEND_TIMEOUT:.0f} s"
            except NotDelivered as exc:
                error = f"not delivered: {exc}"
            except Exception as exc:  # a plugin's own failure must not end the service
                error = f"{type(exc).__name__}: {exc}"
            final = error is None or pause is None
            status = "sent" if error is None else ("failed" if final else "retrying")
            self.controller.record_alert(target=target.shown, title=title, kinds=kinds,
                                         status=status, error=error, attempt=attempt + 1)
            if error is None:
                return
            log.warning("alert to %s %s: %s", target.shown, status, error)
            if pause is None:
                return
            await self.clock.sleep_until(self.clock.monotonic() + pause)


def compose(venue: str, batch: list[Alert]) -> tuple[str, str]:
    """One title that says the gist, and one line per alert."""
    kinds = {a.kind for a in batch}
    trouble = [a for a in batch if a.kind in PROBLEMS]
    if len(batch) == 1:
        title = f"{venue}: {batch[0].text}"
    elif kinds == {"device_offline"}:
        title = f"{venue}: {len(batch)} devices offline"
    else:
        title = f"{venue}: {len(trouble) or len(batch)} alerts"
    body = "\n".join(a.text for a in batch)
    return title, body


def _target(config: AlertTarget) -> _Target:
    kinds = frozenset(config.events) if config.events is not None else frozenset(ALERT_KINDS)
    return _Target(config.url, masked(config.url), kinds)
