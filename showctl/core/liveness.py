"""The devices' own links and the questions that tell whether a device is there.

A product that can answer (`Profile.answers`: Eos's `/eos/ping`, QLab's `/thump`, a
PJLink status) is asked every third of the venue's timeout over a link of its own
(TCP, or a UDP socket of its own so that its replies come back to us); each answer, and
any feedback the profile reads in what the device sends (Eos's active cue), goes to
`answered`, which is what makes it online. Devices that cannot be asked keep heartbeats.
A reload keeps the link of every device whose connection is unchanged (a TCP console
stays connected, a cue just after the reload is not lost to a reconnection) and closes
the others at once, before the new venue opens its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from showctl.codec.osc import PacketError, decode
from showctl.core.clock import Clock
from showctl.model import Device, Venue
from showctl.outputs.links import Link, PjlinkLink, TcpLink, UdpLink, bind_address
from showctl.outputs.pjlink import Projector, ProjectorStatus
from showctl.outputs.profiles import Profile, Transport
from showctl.outputs.qlcweb import QlcWebLink
from showctl.outputs.resolve import literal
from showctl.outputs.router import Router
from showctl.outputs.sender import UdpSender

log = logging.getLogger(__name__)

Answered = Callable[[str, dict[str, Any]], None]
"""(device id, what it said worth showing): the device answered in its own protocol."""
MIN_INTERVAL = 0.2
PJLINK_POLL = 5.0
"""Seconds between a projector's status polls unless its `poll_interval` says: what
controllers commonly do (each poll is five queries on the kept connection)."""
_CONNECTION = ("host", "port", "profile", "transport", "framing", "feedback_port",
               "poll_interval", "password",
               "passcode", "workspace")
"""What a device's link depends on: another value and the link is opened anew."""


class DeviceLinks:
    def __init__(self, venue: Venue, router: Router, clock: Clock, sender: UdpSender,
                 answered: Answered) -> None:
        self.venue, self.router, self.clock, self.sender = venue, router, clock, sender
        self.answered = answered
        self.links: dict[str, Link] = {}
        self.malformed = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def answering(self) -> set[str]:
        """Devices whose liveness is their own answer (not heartbeats)."""
        return {d for d, p in self.router.profiles.items() if p.answering}

    @property
    def silent(self) -> dict[str, str]:
        """Devices whose liveness is `unknown` until they are heard (they neither answer
        over what they are configured with nor send heartbeats), with why (SPEC 7.1)."""
        return {d: note for d, p in self.router.profiles.items()
                if (note := p.liveness_note()) is not None}

    def start(self, previous: DeviceLinks | None = None) -> None:
        """Opens every link (keeping `previous`'s where the connection is the same) and
        starts asking; a no-op without a running loop (the CLI's cue sheet builds outputs
        it never sends through)."""
        for device_id, why in self.silent.items():
            log.info("%s: liveness unknown until it is heard: %s", device_id, why)
        kept = self._keep(previous) if previous is not None else {}
        if previous is not None:
            previous.close()
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return
        for device in self.venue.devices:
            profile = self.router.profiles[device.id]
            if device.id in kept:
                self._adopt(device, profile, kept[device.id])
                continue
            link = self._link(device, profile)
            if link is None:
                continue
            try:
                link.start()
            except OSError as exc:
                log.error("%s: cannot open its link: %s", device.id, exc.strerror or exc)
                continue
            self.links[device.id] = link
            to = self.router.addresses[device.id]
            if to is not None:  # a host name not resolved yet has none (outputs.resolve)
                self.sender.links[to] = link
            if isinstance(link, UdpLink):
                for address, args in profile.greeting(link.local_port):
                    link.send(profile.encode(address, args))
        if self.links.keys() & self.answering:
            self._task = asyncio.get_running_loop().create_task(self._ask(), name="liveness")

    def _keep(self, previous: DeviceLinks) -> dict[str, Link]:
        """`previous`'s links whose device connects as before; taken from it."""
        kept: dict[str, Link] = {}
        for device in self.venue.devices:
            link = previous.links.get(device.id)
            try:
                old = previous.venue.device(device.id)
            except KeyError:
                continue
            if link is not None and all(getattr(old, k) == getattr(device, k)
                                        for k in _CONNECTION):
                kept[device.id] = previous.links.pop(device.id)
                to = previous.router.addresses[device.id]
                if to is not None:
                    previous.sender.links.pop(to, None)
        return kept

    def _adopt(self, device: Device, profile: Profile, link: Link) -> None:
        """A kept link now reports to this venue's profile."""
        self.links[device.id] = link
        to = self.router.addresses[device.id]
        if to is not None:  # a host name not resolved yet has none (outputs.resolve)
            self.sender.links[to] = link
        if isinstance(link, PjlinkLink):
            link.on_status = lambda status: self.answered(device.id,
                                                          {"projector": status.as_json()})
        elif isinstance(link, QlcWebLink):
            link.on_answer = lambda said: self.answered(device.id, said)
        elif isinstance(link, UdpLink | TcpLink):
            link.on_packet = lambda data: self._packet(device.id, profile, data)

    def _link(self, device: Device, profile: Profile) -> Link | None:
        wire, device_id = profile.wire, device.id
        timeout = self.venue.osc.heartbeat_timeout

        def on_packet(data: bytes) -> None:
            self._packet(device_id, profile, data)

        if wire is Transport.PJLINK:
            def on_status(status: ProjectorStatus) -> None:
                self.answered(device_id, {"projector": status.as_json()})
            return PjlinkLink(Projector(device.host, device.port, device.password,
                                        timeout=self._pjlink_answer(device)), on_status,
                              period=self._pjlink_period(device), now=self.clock.monotonic)
        if wire is Transport.WEBSOCKET:
            def on_answer(said: dict[str, Any]) -> None:
                self.answered(device_id, said)
            return QlcWebLink(device.host, device.port, on_answer,
                              timeout=max(0.2, min(3.0, timeout)))
        if wire in (Transport.TCP_SLIP, Transport.TCP_LENGTH):
            def greeting() -> list[bytes]:
                return [profile.encode(a, args) for a, args in profile.greeting()]
            return TcpLink(device.host, device.port,
                           "slip" if wire is Transport.TCP_SLIP else "length", on_packet,
                           greeting, timeout=max(0.2, min(3.0, timeout)))
        if profile.answering:
            # where the device's route leaves, not blindly osc.listen's host: the
            # default 127.0.0.1 cannot send to a console on the LAN (EINVAL)
            host = bind_address(self.venue.osc.listen[0], self.router.addresses[device_id])

            def address() -> str | None:  # a name: the resolver's answer of the moment
                to = self.router.addresses.get(device_id)
                return to[0] if to is not None else None
            return UdpLink(device.host, device.port, on_packet,
                           (host, device.feedback_port or 0), name=device_id,
                           resolve=None if literal(device.host) else address)
        return None

    def readdress(self) -> None:
        """The resolver's answers changed (a name resolved, or moved): the shared sender
        hands each device's packets to its link at the device's address of now."""
        mine = {id(link) for link in self.links.values()}
        for old in [to for to, link in self.sender.links.items() if id(link) in mine]:
            del self.sender.links[old]
        for device_id, link in self.links.items():
            now = self.router.addresses.get(device_id)
            if now is not None:
                self.sender.links[now] = link

    def _pjlink_period(self, device: Device) -> float:
        return device.poll_interval or PJLINK_POLL

    def _pjlink_answer(self, device: Device) -> float:
        """Seconds a projector's answer may take."""
        return max(0.2, min(4.0, self.venue.osc.heartbeat_timeout / 2))

    @property
    def timeouts(self) -> dict[str, float]:
        """Devices asked less often than the venue's timeout: silent for this long before
        they are offline (a PJLink projector: two polls missed, the last one's answer
        time included)."""
        return {d.id: 2 * self._pjlink_period(d) + 2 * self._pjlink_answer(d)
                for d in self.venue.devices if self.router.profiles[d.id].wire is
                Transport.PJLINK}

    def _packet(self, device_id: str, profile: Profile, data: bytes) -> None:
        try:
            messages = decode(data)
        except PacketError as exc:
            self.malformed += 1
            log.debug("%s sent a malformed packet: %s", device_id, exc)
            return
        for message in messages:
            said = profile.reply(message.address, message.args)
            if said is not None:
                self.answered(device_id, said)

    async def _ask(self) -> None:
        while True:
            for device_id in sorted(self.links.keys() & self.answering):
                if self.sender.muted:  # a standby controller asks no device anything
                    continue
                link, profile = self.links[device_id], self.router.profiles[device_id]
                if isinstance(link, PjlinkLink | QlcWebLink):
                    link.poll_soon()
                    continue
                reply_port = link.local_port if isinstance(link, UdpLink) else None
                for address, args in profile.ping(reply_port):
                    link.send(profile.encode(address, args))
            interval = max(MIN_INTERVAL, self.venue.osc.heartbeat_timeout / 3)
            await self.clock.sleep_until(self.clock.monotonic() + interval)

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
        for device_id, link in self.links.items():
            link.close()
            to = self.router.addresses[device_id]
            if to is not None:
                self.sender.links.pop(to, None)
        self.links.clear()

    async def aclose(self) -> None:
        task = self._task
        self.close()
        await asyncio.sleep(0)  # cancelled link tasks finish
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)
