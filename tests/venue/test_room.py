"""The room itself: every host reaches every other from its own address, nothing reaches
out, a pulled cable cuts a host off, names resolve where a hosts file was written, and
nothing of a room outlives it (even a room whose process was killed)."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import select
import socket
import subprocess

import pytest

from tests.venue.room import HOSTS, PREFIX, SUBNET, room_or_skip, sweep_stale

pytestmark = pytest.mark.timeout(60)


def _received(sock: socket.socket, timeout: float) -> tuple[bytes, str] | None:
    ready, _, _ = select.select([sock], [], [], timeout)
    if not ready:
        return None
    data, (address, _port) = sock.recvfrom(2048)
    return data, address


def test_every_host_reaches_every_other_from_its_own_address(room):
    listeners = {h: room.socket(h, bind=0) for h in HOSTS}
    try:
        sender = room.socket("ctl")
        for host, sock in listeners.items():
            sender.sendto(host.encode(), (room.address(host), sock.getsockname()[1]))
        for host, sock in listeners.items():
            assert _received(sock, 2.0) == (host.encode(), room.address("ctl"))
        back = room.socket("screen9")
        back.sendto(b"x", (room.address("ctl"), listeners["ctl"].getsockname()[1]))
        assert _received(listeners["ctl"], 2.0) == (b"x", room.address("screen9"))
    finally:
        for sock in listeners.values():
            sock.close()


def test_nothing_reaches_out_and_the_room_is_not_on_the_machine(room):
    for host in ("ctl", "screen1", "integrator"):
        routes = subprocess.run(["ip", "-n", room.ns(host), "-o", "route"], text=True,
                                capture_output=True, check=True).stdout.strip().splitlines()
        assert [r.split()[0] for r in routes] == [str(SUBNET)]
    out = room.socket("ctl")
    for target in ("10.0.0.1", "192.0.2.1", "8.8.8.8"):
        with pytest.raises(OSError) as caught:
            out.sendto(b"x", (target, 9))
        assert caught.value.errno == errno.ENETUNREACH
    # the machine itself has no address of the room, and the room no other address
    mine = subprocess.run(["ip", "-o", "addr"], text=True, capture_output=True).stdout
    assert "198.18." not in mine
    theirs = room.exec("screen1", ["ip", "-o", "-4", "addr"]).stdout
    assert sorted(line.split()[3] for line in theirs.splitlines()) == [
        "127.0.0.1/8", f"{room.address('screen1')}/24"]


def test_a_pulled_cable_cuts_the_host_off_until_it_is_back(room):
    listener = room.socket("screen3", bind=0)
    out = room.socket("ctl")
    to = (room.address("screen3"), listener.getsockname()[1])
    try:
        room.link_down("screen3")
        out.sendto(b"lost", to)  # ARP goes unanswered: dropped
        assert _received(listener, 0.5) is None
        room.link_up("screen3")
        got = None
        for _ in range(10):  # the first datagram may meet a neighbour entry still failed
            with contextlib.suppress(OSError):  # (told as EHOSTUNREACH on the next send)
                out.sendto(b"back", to)
            if (got := _received(listener, 0.3)) is not None:
                break
        assert got == (b"back", room.address("ctl"))
    finally:
        room.link_up("screen3")
        listener.close()


def test_names_resolve_inside_a_host_from_its_hosts_file(room):
    room.hosts_file("integrator", {"ctl.venue": room.address("ctl")})
    try:
        got = room.exec("integrator", ["getent", "hosts", "ctl.venue"]).stdout.split()
        assert got == [room.address("ctl"), "ctl.venue"]
        assert room.exec("screen1", ["getent", "hosts", "ctl.venue"],
                         check=False).returncode == 2  # not written there: unknown
    finally:
        room.hosts_file("integrator", {})


async def test_a_loop_inside_a_host_sends_from_it(room):
    listener = room.socket("sound", bind=0)
    port = listener.getsockname()[1]
    target = room.address("sound")

    async def send() -> str:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            asyncio.DatagramProtocol, remote_addr=(target, port))
        try:
            transport.sendto(b"hi")
            return transport.get_extra_info("sockname")[0]
        finally:
            transport.close()

    try:
        assert await room.run_in("lighting", send) == room.address("lighting")
        assert _received(listener, 2.0) == (b"hi", room.address("lighting"))
    finally:
        listener.close()


def _names() -> set[str]:
    out = subprocess.run(["ip", "netns", "list"], text=True, capture_output=True).stdout
    return {line.split()[0] for line in out.splitlines() if line}


def test_closing_takes_everything_with_it(tmp_path):
    small = room_or_skip({"a": "198.18.0.50", "b": "198.18.0.51"})
    try:
        small.hosts_file("a", {"b.venue": small.address("b")})
        sleeper = small.popen("a", ["sleep", "300"])
        made = {small.ns("a"), small.ns("b"), small.switch}
        assert made <= _names()
    finally:
        small.close()
    assert not made & _names()
    assert sleeper.poll() is not None
    assert not [ns for ns in made if os.path.exists(f"/etc/netns/{ns}")]
    small.close()  # twice: nothing happens


def test_a_dead_runs_namespaces_are_swept(room):
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = f"{PREFIX}{dead.pid}x1-ctl"
    subprocess.run(["ip", "netns", "add", stale], check=True)
    try:
        assert stale in sweep_stale()
        assert stale not in _names()
        assert room.ns("ctl") in _names()  # a live run's room is left alone
    finally:
        subprocess.run(["ip", "netns", "del", stale], capture_output=True)


def test_hosts_can_be_added_with_the_next_free_address():
    extra = room_or_skip({"ctl": "198.18.0.10"})
    try:
        ctl_b = extra.add_host("ctl_b")
        assert ctl_b.address == "198.18.0.41"
        with pytest.raises(ValueError, match="not a free address"):
            extra.add_host("other", "198.18.0.10")
        listener = extra.socket("ctl", bind=0)
        try:
            extra.socket("ctl_b").sendto(b"b", ("198.18.0.10", listener.getsockname()[1]))
            assert _received(listener, 2.0) == (b"b", "198.18.0.41")
        finally:
            listener.close()
    finally:
        extra.close()
