"""`--simulate` with a venue whose devices are on other hosts (the venue's LAN, not this
machine): the simulated devices cannot listen on 198.18.0.21 here, so each such device
is served on 127.0.0.1 instead, on its own port (its venue port when free, else a free
one), and the controller is given that venue (its reloads too: `Relocation.apply`
keeps every device where it was first put, since the simulator does not move).

A device the simulator does not serve (an `osc` device, a projector that is not PJLink)
is left where the venue says; `notes` says so, one line each.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field, replace
from ipaddress import ip_address

from showctl.files.loader import Config
from showctl.model import Device, Venue
from showctl.outputs.profiles import profile_for

HERE = "127.0.0.1"


def on_this_machine(host: str) -> bool:
    """Whether `host` is an address of this machine (it can be bound). A name counts
    only when it is `localhost` (no lookup at start: a hung DNS would hold it)."""
    if host == "localhost":
        return True
    try:
        family = socket.AF_INET6 if ip_address(host).version == 6 else socket.AF_INET
    except ValueError:
        return False
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.bind((host, 0))
    except OSError:
        return False
    return True


def _free(port: int, taken: set[int]) -> int:
    """`port` when both UDP and TCP are free on 127.0.0.1 and not handed out, else one
    that is (the kernel's choice)."""
    for candidate in (port, 0):
        if candidate in taken:
            continue
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp, \
                    socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                udp.bind((HERE, candidate))
                tcp.bind((HERE, udp.getsockname()[1]))
                chosen = int(udp.getsockname()[1])
        except OSError:
            continue
        if chosen not in taken:
            return chosen
    raise OSError(f"no free port on {HERE} for a simulated device")


def served(device: Device, kinds: tuple[str, ...]) -> str | None:
    """Why the simulator does not serve `device` (None: it does)."""
    if device.kind == "projector":
        return None if device.profile == "pjlink" else \
            f"a {device.profile} projector (the simulator speaks PJLink only)"
    if device.kind == "osc":
        return "an osc device (the simulator has no model of it)"
    if device.kind not in kinds:
        return f"{device.kind} devices are not simulated in this run (--simulate={','.join(kinds)})"
    if profile_for(device).answering:
        return (f"a {device.profile} device that answers in its own protocol (the simulator "
                "does not: it would show offline)")
    return None


@dataclass
class Relocation:
    """Where each simulated device of another host listens here; kept across reloads."""

    kinds: tuple[str, ...]
    ports: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    unserved: set[str] = field(default_factory=set)
    """Devices of other hosts the simulator leaves alone (they stay where they are)."""

    def apply(self, config: Config) -> Config:
        devices = [self._device(d) for d in config.venue.devices]
        venue: Venue = config.venue.model_copy(update={"devices": tuple(devices)})
        return replace(config, venue=venue)

    def _device(self, device: Device) -> Device:
        if device.id in self.ports:
            return device.model_copy(update={"host": HERE, "port": self.ports[device.id]})
        if on_this_machine(device.host):
            return device
        why = served(device, self.kinds)
        if why is not None:
            note = f"{device.id} at {device.host}:{device.port} is not served here: {why}"
            if note not in self.notes:
                self.notes.append(note)
            self.unserved.add(device.id)
            return device
        self.ports[device.id] = _free(device.port, set(self.ports.values()))
        return device.model_copy(update={"host": HERE, "port": self.ports[device.id]})

    def simulated(self, venue: Venue) -> Venue:
        """The venue the simulator serves: without the devices it cannot serve."""
        return venue.model_copy(update={"devices": tuple(
            d for d in venue.devices if d.id not in self.unserved)})

    def moved(self) -> str | None:
        """One line: which devices of other hosts are simulated here, or None."""
        if not self.ports:
            return None
        shown = ", ".join(f"{d} :{p}" for d, p in list(self.ports.items())[:12])
        more = f" and {len(self.ports) - 12} more" if len(self.ports) > 12 else ""
        return (f"simulated here on {HERE} (their hosts are not this machine's): "
                f"{shown}{more}")
