"""The venue test room: hosts on real addresses, made of network namespaces.

Every other test of showctl runs on 127.0.0.1; a venue never does. The room gives each
host of a venue (the controller, nine screen PCs, a sound PC, a lighting console, a
projector, an integrator's control system) a network namespace of its own with one
interface, ``eth0``, on 198.18.0.0/24, all joined by a Linux bridge in one more
namespace (the "switch"). Nothing else: no default route, no link to the machine's own
interfaces, so nothing sent in the room can leave it (198.18.0.0/15 is the benchmarking
range of RFC 2544, never routed on a real network).

Use::

    from tests.venue.room import VenueRoom, room_or_skip

    with room_or_skip() as room:                  # skips (or fails under CI=true) without root
        room.address("ctl")                       # "198.18.0.10"
        room.exec("ctl", ["getent", "hosts", "screen1.venue"])  # after room.hosts_file
        proc = room.popen("screen1", [sys.executable, "-m", "showctl", "player", ...])
        sock = room.socket("sound", socket.SOCK_DGRAM, bind=0)   # created inside "sound"
        room.link_down("screen3"); room.link_up("screen3")
        room.hosts_file("ctl", {"screen1.venue": room.address("screen1")})
        result = await room.run_in("ctl", some_coroutine_function)  # a loop inside "ctl"

In pytest, a module shares one room (making one costs about a second): see
``room_fixture`` and tests/venue/conftest.py.

The default hosts and their addresses (``HOSTS``; ``add_host`` adds more, e.g. a second
controller, with the next free address of the subnet):

    ctl .10   screen1..screen9 .21-.29   sound .31   lighting .32   projector .33
    integrator .40          (.1 is kept for `add_subnet`'s router; .2-.9 are left free:
                             a standby pair's floating address)

``add_subnet({"wolpc": "198.18.1.21"})`` adds a second LAN behind a router (a venue's
PCs on a VLAN of their own), directed broadcasts forwarded to it.

Processes: ``exec``/``popen``/``spawn`` run a program through ``ip netns exec NS``, which
also bind-mounts ``/etc/netns/NS/hosts`` over ``/etc/hosts`` for that program when the
test wrote one (``hosts_file``): that is how names resolve in the room. ``socket`` and
``inside`` put the *calling thread* into a namespace (``setns``) just long enough to make
a socket there; a socket keeps its namespace for life, so the test's own event loop can
read and write it. ``run_in`` runs a whole coroutine on a loop of its own in a thread
inside a namespace (threads it starts, e.g. getaddrinfo's executor, are inside too; its
``/etc/hosts`` is the machine's: use ``popen`` for names).

Teardown is certain: ``close`` (``__exit__``, and ``atexit`` for a process that dies
between the two) stops every process the room started, deletes its namespaces (the
switch's deletion takes every veth and the bridge with it) and the ``/etc/netns`` folders
it wrote. A room made later sweeps the namespaces of rooms whose process is gone (a
``kill -9``): their names carry the pid (``svr<pid>x<n>-<host>``), so two runs on one
machine never meet.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import ctypes
import ipaddress
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

SUBNET = ipaddress.ip_network("198.18.0.0/24")
PREFIX = "svr"
"""Every room namespace's name starts with it: svr<pid>x<n>-<host>."""
_NAME = re.compile(rf"^{PREFIX}(\d+)x(\d+)-(.+)$")
HOSTS: dict[str, str] = {
    "ctl": "198.18.0.10",
    **{f"screen{n}": f"198.18.0.{20 + n}" for n in range(1, 10)},
    "sound": "198.18.0.31",
    "lighting": "198.18.0.32",
    "projector": "198.18.0.33",
    "integrator": "198.18.0.40",
}
SCREENS = [f"screen{n}" for n in range(1, 10)]
IFACE = "eth0"
"""Each host's one interface (inside its namespace; names there never clash)."""
CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)
_counter = 0
_lock = threading.Lock()


class RoomUnavailable(RuntimeError):
    """Network namespaces cannot be made here (no root, no `ip`)."""


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=10)
    if check and result.returncode != 0:
        raise RoomUnavailable(f"ip {' '.join(args)}: {result.stderr.strip()}")
    return result


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale() -> list[str]:
    """Deletes the namespaces (and /etc/netns folders) of rooms whose process is gone;
    what it deleted. Processes still inside one are stopped by pid first."""
    listed = _ip("netns", "list", check=False).stdout.split("\n")
    gone = []
    for line in listed:
        name = line.split(" ")[0]
        match = _NAME.match(name)
        if match is None or _alive(int(match.group(1))):
            continue
        for pid in _ip("netns", "pids", name, check=False).stdout.split():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid), signal.SIGKILL)
        _ip("netns", "del", name, check=False)
        shutil.rmtree(f"/etc/netns/{name}", ignore_errors=True)
        gone.append(name)
    return gone


@dataclass
class Host:
    name: str
    ns: str
    address: str
    port: str
    """Its veth's end in the switch namespace."""


class VenueRoom:
    """Hosts on 198.18.0.0/24 in namespaces of their own, a bridge between them.

    ``hosts``: name -> address (default ``HOSTS``); names are short words (they become
    part of namespace names). ``start()`` (or ``with``) makes it; ``close()`` unmakes it
    and may be called any number of times.
    """

    def __init__(self, hosts: Mapping[str, str] | None = None) -> None:
        global _counter
        with _lock:
            _counter += 1
            self.tag = f"{PREFIX}{os.getpid()}x{_counter}"
        self.wanted = dict(HOSTS if hosts is None else hosts)
        self.hosts: dict[str, Host] = {}
        self.switch = f"{self.tag}-switch"
        self._made: list[str] = []
        self._procs: list[subprocess.Popen[Any]] = []
        self._aprocs: list[asyncio.subprocess.Process] = []
        self._started = False
        self._closed = False

    # --- making and unmaking -------------------------------------------------------

    def start(self) -> VenueRoom:
        """Makes the room (a second call does nothing)."""
        if self._started:
            return self
        if self._closed:
            raise RuntimeError("a closed room cannot be made again: make a new VenueRoom")
        self._started = True
        if shutil.which("ip") is None:
            raise RoomUnavailable("the `ip` command (iproute2) is missing")
        sweep_stale()
        atexit.register(self.close)
        try:
            self._netns_add(self.switch)
            _ip("-n", self.switch, "link", "add", "br0", "type", "bridge",
                "forward_delay", "0", "stp_state", "0")
            _ip("-n", self.switch, "link", "set", "br0", "up")
            for name, address in self.wanted.items():
                self.add_host(name, address)
        except BaseException:
            self.close()
            raise
        return self

    def _netns_add(self, ns: str) -> None:
        _ip("netns", "add", ns)
        self._made.append(ns)
        # quiet: no IPv6 (no router solicitations, no DAD), loopback up
        _ip("netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
            "net.ipv6.conf.default.disable_ipv6=1")
        _ip("-n", ns, "link", "set", "lo", "up")

    def add_host(self, name: str, address: str | None = None) -> Host:
        """One more host (its namespace, its veth into the switch); `address`: the next
        free one of the subnet from .41 on when not given."""
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,15}", name) or name == "switch":
            raise ValueError(f"host name {name!r}: a short lower-case word")
        if name in self.hosts:
            raise ValueError(f"host {name!r} is already in the room")
        taken = {h.address for h in self.hosts.values()}
        if address is None:
            address = next(str(a) for a in SUBNET.hosts()
                           if int(a) & 0xFF > 40 and str(a) not in taken)
        if name != "router" and address == str(next(SUBNET.hosts())):
            raise ValueError(f"{name}: {address} is kept for the router (add_subnet)")
        if ipaddress.ip_address(address) not in SUBNET or address in taken:
            raise ValueError(f"{name}: {address} is not a free address of {SUBNET}")
        ns = f"{self.tag}-{name}"
        port = f"p{len(self.hosts)}"
        self._netns_add(ns)
        self._veth(ns, port, IFACE, "br0")
        _ip("-n", ns, "addr", "add", f"{address}/{SUBNET.prefixlen}", "brd", "+",
            "dev", IFACE)
        _ip("-n", ns, "link", "set", IFACE, "up")
        host = Host(name, ns, address, port)
        self.hosts[name] = host
        return host

    def add_subnet(self, hosts: Mapping[str, str], *, subnet: str = "198.18.1.0/24",
                   directed_broadcast: bool = True) -> str:
        """A second LAN (another bridge, `br1`) behind a router, as a venue's PCs on a
        VLAN of their own: the host `router` (198.18.0.1 on the room's subnet, .1 of
        `subnet` on the other) forwards between them, and forwards directed broadcasts
        to `subnet` (Linux `bc_forwarding`) unless told not to. Every host made so far
        gets the route to `subnet` through the router, `hosts` (name -> address in
        `subnet`) the route back. Returns the router's address on the room's subnet."""
        net = ipaddress.ip_network(subnet)
        if net.overlaps(SUBNET) or not net.subnet_of(ipaddress.ip_network("198.18.0.0/15")):
            raise ValueError(f"{subnet}: another subnet of 198.18.0.0/15 than {SUBNET}")
        if "router" in self.hosts:
            raise ValueError("the room has a second subnet already")
        router = self.add_host("router", str(next(SUBNET.hosts())))  # 198.18.0.1
        near = router.address
        far = str(next(net.hosts()))
        _ip("-n", self.switch, "link", "add", "br1", "type", "bridge", "forward_delay", "0",
            "stp_state", "0")
        _ip("-n", self.switch, "link", "set", "br1", "up")
        self._veth(router.ns, "r1", "eth1", "br1")
        _ip("-n", router.ns, "addr", "add", f"{far}/{net.prefixlen}", "brd", "+", "dev", "eth1")
        _ip("-n", router.ns, "link", "set", "eth1", "up")
        settings = ["net.ipv4.ip_forward=1"]
        if directed_broadcast:
            settings += [f"net.ipv4.conf.{i}.bc_forwarding=1" for i in ("all", "eth0", "eth1")]
        _ip("netns", "exec", router.ns, "sysctl", "-qw", *settings)
        for host in self.hosts.values():
            if host.name != "router":
                _ip("-n", host.ns, "route", "add", subnet, "via", near)
        for name, address in hosts.items():
            if ipaddress.ip_address(address) not in net:
                raise ValueError(f"{name}: {address} is not in {subnet}")
            if name in self.hosts:
                raise ValueError(f"host {name!r} is already in the room")
            ns = f"{self.tag}-{name}"
            self._netns_add(ns)
            self._veth(ns, f"q{len(self.hosts)}", IFACE, "br1")
            _ip("-n", ns, "addr", "add", f"{address}/{net.prefixlen}", "brd", "+", "dev", IFACE)
            _ip("-n", ns, "link", "set", IFACE, "up")
            _ip("-n", ns, "route", "add", str(SUBNET), "via", far)
            self.hosts[name] = Host(name, ns, address, f"q{len(self.hosts)}")
        return near

    def _veth(self, ns: str, port: str, inside: str, bridge: str) -> None:
        _ip("-n", self.switch, "link", "add", port, "type", "veth", "peer", "name", inside,
            "netns", ns)
        _ip("-n", self.switch, "link", "set", port, "master", bridge, "up")

    def close(self) -> None:
        """Stops the room's processes, deletes its namespaces and /etc/netns folders."""
        if self._closed:
            return
        self._closed = True
        for proc in self._procs:
            _stop(proc)
        for aproc in self._aprocs:
            if aproc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    aproc.kill()
        for ns in reversed(self._made):
            for pid in _ip("netns", "pids", ns, check=False).stdout.split():
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            _ip("netns", "del", ns, check=False)
            shutil.rmtree(f"/etc/netns/{ns}", ignore_errors=True)
        self._made.clear()
        with contextlib.suppress(Exception):
            atexit.unregister(self.close)

    def __enter__(self) -> VenueRoom:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- what a test asks ----------------------------------------------------------

    def ns(self, host: str) -> str:
        """The namespace's name (for `ip netns exec`, `ip -n`)."""
        return self.hosts[host].ns

    def address(self, host: str) -> str:
        return self.hosts[host].address

    @property
    def broadcast(self) -> str:
        """The subnet's directed broadcast address (198.18.0.255)."""
        return str(SUBNET.broadcast_address)

    def hosts_file(self, host: str, names: Mapping[str, str]) -> Path:
        """Writes /etc/netns/NS/hosts (name -> address; localhost kept): what programs
        started in that host (`exec`, `popen`, `spawn`) read as /etc/hosts. Rewriting it
        takes effect for lookups made after (a name can stop resolving mid-show) in
        programs started after the first write (the file is bind-mounted at their start)."""
        folder = Path("/etc/netns") / self.ns(host)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "hosts"
        lines = ["127.0.0.1 localhost", *(f"{a} {n}" for n, a in names.items())]
        # in place (same inode): `ip netns exec` bind-mounted this very file into the
        # programs already running there, a new file would not be seen by them
        with path.open("a+") as f:
            f.seek(0)
            f.truncate()
            f.write("\n".join(lines) + "\n")
        return path

    def link_down(self, host: str) -> None:
        """The host's cable pulled: its interface down (inside its own namespace)."""
        _ip("-n", self.ns(host), "link", "set", IFACE, "down")

    def link_up(self, host: str, timeout: float = 3.0) -> None:
        """The cable back; returns once the kernel says the interface is up (carrier),
        or after `timeout` (the kernel has no event for it that `ip` could wait on)."""
        _ip("-n", self.ns(host), "link", "set", IFACE, "up")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            shown = _ip("-n", self.ns(host), "-o", "link", "show", IFACE, check=False).stdout
            if "state UP" in shown:
                return
            time.sleep(0.02)

    def argv(self, host: str, argv: Sequence[str]) -> list[str]:
        """`argv` as run inside `host`."""
        return ["ip", "netns", "exec", self.ns(host), *argv]

    def exec(self, host: str, argv: Sequence[str], *, timeout: float = 30.0,
             check: bool = True, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        """Runs a command inside `host` to its end (output captured as text)."""
        return subprocess.run(self.argv(host, argv), capture_output=True, text=True,
                              timeout=timeout, check=check, **kwargs)

    def popen(self, host: str, argv: Sequence[str], **kwargs: Any) -> subprocess.Popen[Any]:
        """Starts a program inside `host`; the room stops it at `close` if the test did
        not (SIGTERM, then SIGKILL after 5 s)."""
        proc = subprocess.Popen(self.argv(host, argv), **kwargs)
        self._procs.append(proc)
        return proc

    async def spawn(self, host: str, argv: Sequence[str],
                    **kwargs: Any) -> asyncio.subprocess.Process:
        """`popen` for asyncio (asyncio.create_subprocess_exec)."""
        proc = await asyncio.create_subprocess_exec(*self.argv(host, argv), **kwargs)
        self._aprocs.append(proc)
        return proc

    @contextlib.contextmanager
    def inside(self, host: str) -> Iterator[None]:
        """The calling thread inside `host`'s namespace for the block: sockets made there
        stay there. Never `await` inside it (other tasks would run in the room too)."""
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(f"/run/netns/{self.ns(host)}", os.O_RDONLY)
        try:
            _setns(target)
            try:
                yield
            finally:
                _setns(home)
        finally:
            os.close(target)
            os.close(home)

    def socket(self, host: str, kind: int = socket.SOCK_DGRAM, *, bind: int | None = None,
               address: str | None = None) -> socket.socket:
        """A socket of `host`'s namespace; bound to (`address` or the host's address,
        `bind`) when `bind` is given (0: a free port). Non-blocking when bound, ready for
        `loop.create_datagram_endpoint(sock=...)` / `asyncio.start_server(sock=...)`."""
        with self.inside(host):
            sock = socket.socket(socket.AF_INET, kind)
        if bind is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((address or self.address(host), bind))
            if kind == socket.SOCK_STREAM:
                sock.listen(16)
            sock.setblocking(False)
        return sock

    async def run_in(self, host: str, work: Callable[[], Awaitable[T]],
                     timeout: float = 60.0) -> T:
        """Runs `work()` on an event loop of its own in a thread inside `host` and
        returns its result (the caller's loop stays free meanwhile)."""
        ns_path = f"/run/netns/{self.ns(host)}"

        def thread() -> T:
            fd = os.open(ns_path, os.O_RDONLY)
            try:
                _setns(fd)  # this thread only; it ends with the work
            finally:
                os.close(fd)

            async def bounded() -> T:
                return await asyncio.wait_for(work(), timeout)  # type: ignore[arg-type]
            return asyncio.run(bounded())

        return await asyncio.to_thread(thread)

    def python(self, host: str, code: str, *args: str, **kwargs: Any
               ) -> subprocess.CompletedProcess[str]:
        """Runs a Python snippet inside `host` (this interpreter; the project importable)."""
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
        return self.exec(host, [sys.executable, "-c", code, *args], env=env, **kwargs)


def _stop(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(5)


SKIP_LINE = "venue room: network namespaces need root (CAP_NET_ADMIN, CAP_SYS_ADMIN)"


def room_or_skip(hosts: Mapping[str, str] | None = None) -> VenueRoom:
    """A started room; where namespaces cannot be made: pytest skips with one line, or
    fails under CI=true (CI runs as root: the room's tests must run there)."""
    import pytest

    room = VenueRoom(hosts)
    try:
        return room.start()
    except (RoomUnavailable, PermissionError, OSError) as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{SKIP_LINE}, and CI=true: {exc}", pytrace=False)
        pytest.skip(f"{SKIP_LINE}: {exc}")


def room_fixture(scope: str = "module", hosts: Mapping[str, str] | None = None) -> Any:
    """A pytest fixture giving one room to every test of its scope::

        room = room_fixture()              # in a test module or a conftest.py
    """
    import pytest

    @pytest.fixture(scope=scope)  # type: ignore[call-overload]
    def room() -> Iterator[VenueRoom]:
        made = room_or_skip(hosts)
        try:
            yield made
        finally:
            made.close()

    return room
