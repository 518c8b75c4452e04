"""Alerts reach real servers on 127.0.0.1, grouped, spaced and retried on the injected
clock; a server that refuses or hangs never holds the controller."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from showctl.alerts import AlertService
from showctl.alerts import service as alerts
from showctl.core.clock import FakeClock, SystemClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from showctl.sim.projector import ProjectorSim
from tests.alerts.receivers import Mailbox, Webhook
from tests.core.room import LEAD, Room, add_devices, open_room
from tests.scheduling.room import PARIS, open_schedule
from tests.support import free_port, write_config


async def _room(tmp_path: Path, *targets: dict[str, Any]) -> Room:
    return await open_room(tmp_path, venue_extra={"alerts": list(targets)})


def _deliveries(room: Room) -> asyncio.Queue[dict[str, Any]]:
    return _deliveries_of(room.controller)


def _deliveries_of(controller: Controller) -> asyncio.Queue[dict[str, Any]]:
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    controller.bus.subscribe(lambda e: queue.put_nowait(e.data) if e.kind == "alert"
                             else None)
    return queue


async def _next(queue: asyncio.Queue[dict[str, Any]]) -> dict[str, Any]:
    return await asyncio.wait_for(queue.get(), 20)


async def _all_online_then_silent(room: Room) -> None:
    ctl = room.controller
    for device in ctl.venue.devices:
        ctl.heartbeat(device.id)
    await room.clock.advance(ctl.venue.osc.heartbeat_timeout + 2)


async def test_a_storm_of_offline_screens_is_one_email(tmp_path: Path) -> None:
    with Mailbox() as mailbox:
        room = await _room(tmp_path, {"url": mailbox.url, "events": ["device_offline"]})
        service = AlertService(room.controller, room.clock)
        got = _deliveries(room)
        await service.start()  # controller_restarted: not a kind this target wants
        try:
            await _all_online_then_silent(room)
            await room.clock.advance(alerts.GROUP)
            delivery = await _next(got)
            assert delivery["status"] == "sent", delivery
            assert len(mailbox.mails) == 1
            mail = mailbox.mails[0].content.decode()
            assert "test-room: 10 devices offline" in mail
            assert "screen9 is offline" in mail and "lights is offline" in mail
            assert mailbox.mails[0].rcpt_tos == ["av@museum.test"]
            status = room.controller.status()
            assert status["alerts"][-1]["status"] == "sent"
            assert "127.0.0.1" in status["alerts"][-1]["target"]
            assert status["counters"]["alerts.sent"] == 1
        finally:
            await service.stop()
            await room.close()


async def test_webhook_gets_restart_and_online_again_spaced(tmp_path: Path) -> None:
    async with Webhook() as hook:
        room = await _room(tmp_path, {"url": hook.url})
        service = AlertService(room.controller, room.clock, restarted="resumed immersive")
        got = _deliveries(room)
        await service.start()
        try:
            await room.clock.advance(alerts.GROUP)
            assert (await _next(got))["status"] == "sent"
            assert hook.posts[0]["title"] == "test-room: 2 alerts"
            assert hook.posts[0]["message"].splitlines() == [
                "showctl started for test-room: resumed immersive", "resumed immersive"]
            # first contact after start-up is no news; a screen lost and back is
            ctl = room.controller
            ctl.heartbeat("screen1")
            await room.clock.advance(ctl.venue.osc.heartbeat_timeout + 2)
            ctl.heartbeat("screen1")
            await room.clock.advance(alerts.GROUP)
            assert got.empty(), "a second message within the spacing"
            await room.clock.advance(alerts.SPACING)
            assert (await _next(got))["status"] == "sent"
            assert len(hook.posts) == 2
            lines = hook.posts[1]["message"].splitlines()  # silent since: offline again
            gone = "screen1 is offline (no heartbeat for 5 s)"
            assert lines == [gone, "screen1 is online again", gone]
        finally:
            await service.stop()
            await room.close()


async def test_refused_alerts_are_retried_then_reported_failed(tmp_path: Path) -> None:
    nobody = f"json://127.0.0.1:{free_port()}/alerts"  # nothing listens there
    room = await _room(tmp_path, {"url": nobody})
    service = AlertService(room.controller, room.clock)
    got = _deliveries(room)
    await service.start()
    try:
        await room.clock.advance(alerts.GROUP)
        seen = [await _next(got)]
        for pause in alerts.RETRY:
            await room.clock.advance(pause)
            seen.append(await _next(got))
        assert [d["status"] for d in seen] == ["retrying"] * 3 + ["failed"]
        assert [d["attempt"] for d in seen] == [1, 2, 3, 4]
        assert room.controller.status()["counters"]["alerts.failed"] == 1
        assert "alerts.sent" not in room.controller.status()["counters"]
    finally:
        await service.stop()
        await room.close()


async def test_a_hanging_server_does_not_hold_the_show(tmp_path: Path) -> None:
    async with Webhook(hang=True) as hook:
        room = await _room(tmp_path, {"url": hook.url})
        service = AlertService(room.controller, room.clock)
        await service.start()
        try:
            await room.clock.advance(alerts.GROUP)
            await asyncio.wait_for(hook.arrived.wait(), 20)  # the send hangs on its thread
            ctl, t0 = room.controller, room.clock.monotonic() + 1
            ctl.start("small", by="test", at=t0)
            await room.clock.advance(6)
            assert ctl.state == "idle", "the show ran to its end"
            screen = room.rx["screen1"].without_clock()
            # bundles leave their lead ahead of cues at 1, 2 and 3 s: on time, alert or not
            assert [round(g.at - t0 + LEAD, 6) for g in screen][-3:] == [1.0, 2.0, 3.0]
            assert hook.posts == []
        finally:
            await service.stop()
            await room.close()


async def test_a_failed_check_with_a_lamp_error_is_one_message(tmp_path: Path) -> None:
    async with Webhook() as hook:
        room = await _room(tmp_path, {"url": hook.url, "events": ["check_failed",
                                                                  "projector_error"]})
        service = AlertService(room.controller, room.clock)
        got = _deliveries(room)
        await service.start()
        try:
            room.controller.bus.publish("check", room.clock.time(), at=room.clock.time(),
                                        by="schedule", ready=False, findings=[
                {"device": "proj1", "kind": "projector",
                 "message": "projector reports a lamp error"},
                {"device": "screen3", "kind": "offline", "message": "not answering"}])
            await room.clock.advance(alerts.GROUP)
            assert (await _next(got))["kinds"] == ["check_failed", "projector_error"]
            assert hook.posts[0]["message"].splitlines() == [
                "self-check: not ready (proj1: projector reports a lamp error; screen3: not "
                "answering)", "proj1: projector reports a lamp error"]
        finally:
            await service.stop()
            await room.close()


async def test_a_scheduled_start_with_devices_offline_is_an_alert(tmp_path: Path) -> None:
    """`if_devices_missing: start`: the show goes ahead and the AV team hears of it, once,
    with the devices that were missing (not only as a warning in the log); a start with
    every device there is no news."""
    async with Webhook() as hook:
        setup = await open_schedule(
            tmp_path, {"shows": [{"show": "small", "times": ["10:00", "10:30", "11:00"]}]},
            datetime(2026, 5, 4, 9, 59, 48), venue_extra={"alerts": [
                {"url": hook.url, "events": ["start_devices_missing", "start_skipped"]}]})
        ctl, clock = setup.controller, setup.clock
        service = AlertService(ctl, clock)
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        ctl.bus.subscribe(lambda e: queue.put_nowait(e.data) if e.kind == "alert" else None)

        async def until(hour: int, minute: int, second: int) -> None:
            await clock.advance(datetime(2026, 5, 4, hour, minute, second,
                                         tzinfo=PARIS).timestamp() - clock.time())

        await service.start()
        try:
            for device in ctl.venue.devices:  # screen2 never answers; the preload: 09:59:50
                if device.id != "screen2":
                    ctl.heartbeat(device.id)
            await until(10, 0, 10)
            assert [f[11:16] for f in setup.firsts()] == ["10:00"]  # it went ahead
            assert (await _next(queue))["kinds"] == ["start_devices_missing"]
            assert [p["message"] for p in hook.posts] == [
                "small started by schedule with 1 of 4 devices offline (screen2) "
                "(if_devices_missing: start)"]
            await until(10, 29, 48)
            for device in ctl.venue.devices:  # 10:30: everyone answers
                ctl.heartbeat(device.id)
            await until(10, 31, 0)
            assert [f[11:16] for f in setup.firsts()] == ["10:00", "10:30"]
            ctl.hold_schedule(by="test")  # 11:00 is skipped: the next message says so
            await until(11, 0, 10)
            assert (await _next(queue))["kinds"] == ["start_skipped"]  # 10:30 was no news
            assert len(hook.posts) == 2
        finally:
            await service.stop()
            await setup.close()


async def test_a_projector_fault_a_poll_sees_is_one_alert_until_it_clears(
        tmp_path: Path) -> None:
    """A PJLink projector on 127.0.0.1 polled for liveness (real time, a poll a second):
    a fault is alerted when a poll first sees it, not again while it stays (more polls,
    another fault beside it, the projector lost and back, a self-check that finds it),
    and its clearing is news. The alerts' grouping runs on a fake clock of its own."""
    sim = ProjectorSim(warm_up=0, cool_down=0)
    await sim.start()
    async with Webhook() as hook:
        path = write_config(tmp_path, screens=1, venue_extra={"alerts": [
            {"url": hook.url, "events": ["projector_error", "projector_ok"]}]})
        add_devices(path, {"id": "proj1", "kind": "projector", "port": sim.port,
                           "profile": "pjlink", "poll_interval": 1})  # the least allowed
        raw = yaml.safe_load(path.read_text())
        raw["osc"]["heartbeat_timeout"] = 0.6  # each answer within 0.3 s
        path.write_text(yaml.safe_dump(raw, sort_keys=False))
        ctl = Controller(load_config(path), SystemClock())
        said: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        ctl.bus.subscribe(lambda e: said.put_nowait(e.data) if e.kind == "device"
                          and e.data["device"] == "proj1" else None)
        clock = FakeClock()  # the alerts' grouping and spacing
        service = AlertService(ctl, clock)
        got = _deliveries_of(ctl)
        await service.start()

        async def until(online: bool, **errors: str) -> None:
            async with asyncio.timeout(10):
                while True:
                    data = await said.get()
                    flags = data.get("said", {}).get("projector", {}).get("errors", {})
                    if data["online"] is online and all(flags.get(k) == v
                                                        for k, v in errors.items()):
                        return

        try:
            await until(True)
            sim.fault("lamp", 2)
            await until(True, lamp="error")
            sim.fault("temperature", 1)
            await until(True, lamp="error", temperature="warning")
            sim.hang()
            await until(False)
            sim.hang(False)
            await until(True, lamp="error", temperature="warning")  # back, faults and all
            await clock.advance(alerts.GROUP)
            assert (await _next(got))["kinds"] == ["projector_error"]
            assert hook.posts[0]["message"].splitlines() == [
                "proj1: projector reports a lamp error",
                "proj1: projector reports a temperature warning"]
            result = await ctl.check(by="test")  # finds both faults again: no news
            assert "projector reports a lamp error" in [f.message for f in result.findings]
            sim.fault("lamp", 0)
            await until(True, lamp="ok", temperature="warning")
            await clock.advance(alerts.SPACING)
            assert (await _next(got))["kinds"] == ["projector_error", "projector_ok"]
            assert hook.posts[1]["message"].splitlines() == [
                "proj1: projector is off",  # the check's own finding, not a fault flag
                "proj1: the projector's lamp error has cleared"]
        finally:
            await service.stop()
            await ctl.close()
            await sim.stop()


async def test_apprises_reason_is_in_the_status_and_the_log(tmp_path: Path, caplog) -> None:
    """A refused delivery says why, as Apprise said it (issue 21: the status said "see
    the log" and the log line had no reason)."""
    nobody = f"json://127.0.0.1:{free_port()}/alerts"  # nothing listens there
    room = await _room(tmp_path, {"url": nobody})
    service = AlertService(room.controller, room.clock)
    got = _deliveries(room)
    await service.start()
    try:
        with caplog.at_level(logging.WARNING, logger="showctl"):
            await room.clock.advance(alerts.GROUP)
            first = await _next(got)
        assert first["status"] == "retrying"
        assert first["error"].startswith("not delivered: ") and "see the log" not in \
            first["error"]
        assert "refused" in first["error"].lower() or "connect" in first["error"].lower()
        said = room.controller.status()["alerts"][-1]["error"]
        assert said == first["error"]
        assert any(first["error"] in r.getMessage() for r in caplog.records
                   if r.name.startswith("showctl"))
    finally:
        await service.stop()
        await room.close()
