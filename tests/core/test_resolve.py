"""Device host names: looked up off the loop, never in the send path; a device whose name
does not resolve is offline with the reason, and the rest of the room plays on time."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from showctl.core import events
from showctl.core.clock import FakeClock
from showctl.core.controller import Controller
from showctl.files.loader import load_config
from tests.osc.rig import Screen
from tests.support import write_config

SLOW = 3.0  # seconds the "DNS server" takes to answer for slow.invalid (then fails)


@pytest.fixture
def slow_dns(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A resolver we control: `slow.invalid` hangs like an unreachable DNS server; every
    call made on the event loop's thread is recorded (there must be none)."""
    real = socket.getaddrinfo
    loop_thread = threading.get_ident()
    on_loop: list[str] = []

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if threading.get_ident() == loop_thread:
            on_loop.append(str(host))
        if host == "slow.invalid":
            time.sleep(SLOW)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return on_loop


def venue_with_names(root: Path) -> Path:
    path = write_config(root)
    venue = yaml.safe_load(path.read_text())
    hosts = {"screen7": "localhost", "screen8": "slow.invalid", "screen9": "screen9.invalid"}
    for device in venue["devices"]:
        device["host"] = hosts.get(device["id"], device["host"])
    path.write_text(yaml.safe_dump(venue, sort_keys=False))
    return path


async def test_names_resolve_off_the_loop_and_an_unresolved_device_is_offline(
        tmp_path: Path, slow_dns: list[str]) -> None:
    config = load_config(venue_with_names(tmp_path))
    clock = FakeClock()
    loop = asyncio.get_running_loop()
    screens: dict[str, Screen] = {}
    opened = []
    for device in config.venue.devices:
        if device.id in ("screen8", "screen9"):
            continue
        transport, screens[device.id] = await loop.create_datagram_endpoint(
            Screen, local_addr=("127.0.0.1", device.port))
        opened.append(transport)
    controller = Controller(config, clock)
    reasons: dict[str, str] = {}
    told = asyncio.Event()

    def on_device(event: events.Event) -> None:
        if event.kind == events.DEVICE and event.data.get("reason"):
            reasons[event.data["device"]] = event.data["reason"]
            told.set()

    controller.bus.subscribe(on_device)
    resolved = asyncio.Event()
    resolver = controller.engine.resolver
    resolver.on_change.append(lambda: resolved.set() if resolver.address("localhost") else None)
    try:
        await asyncio.wait_for(resolved.wait(), 15)  # the venue's names are looked up at load
        began = time.monotonic()
        controller.start("small", by="test")  # slow.invalid's lookup is still hanging
        await clock.advance(5.0)  # the whole show, cues to every screen that has an address
        assert time.monotonic() - began < 1.0, "the loop waited for DNS"
        assert controller.state == "idle"
        for device in [f"screen{n}" for n in range(1, 8)]:  # screen7 is "localhost"
            await screens[device].wait_for("/showctl/player/play")
        await asyncio.wait_for(told.wait(), 10)
        assert "screen9" in reasons and "cannot resolve screen9.invalid" in reasons["screen9"]
        screen9 = next(d for d in controller.status()["devices"] if d["id"] == "screen9")
        assert not screen9["online"] and "screen9.invalid" in screen9["offline_reason"]
        assert slow_dns == [], f"resolved on the loop: {slow_dns}"
    finally:
        await controller.close()
        for transport in opened:
            transport.close()


async def test_a_failed_lookup_keeps_the_last_good_address(tmp_path: Path) -> None:
    from showctl.outputs.resolve import Resolver

    clock = FakeClock()
    resolver = Resolver(clock, every=60.0)
    answers = iter([("127.0.0.5",), OSError("no DNS")])

    def lookup(host: str) -> tuple[str, ...]:
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    import showctl.outputs.resolve as resolve

    resolve_lookup, resolve._lookup = resolve._lookup, lookup  # type: ignore[assignment]
    try:
        resolver.use(["screen.lan"])
        await resolver.refresh()
        assert resolver.address("screen.lan") == "127.0.0.5"
        await resolver.refresh()  # the DNS is gone: the device stays where it was
        assert resolver.address("screen.lan") == "127.0.0.5"
        assert resolver.error("screen.lan") is None
        assert resolver.is_own("screen.lan", "::ffff:127.0.0.5")
    finally:
        resolve._lookup = resolve_lookup
        await resolver.close()
