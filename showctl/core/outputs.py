"""The engine's side of the wire for one venue: immediate commands, DMX fade streams,
and what each device was last told (the timeline's timed commands go through the same
dispatcher, see timeline.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from showctl.core.clock import Anchor, Clock
from showctl.core.devices import DeviceBook
from showctl.core.dispatch import Dispatcher
from showctl.core.dmxdirect import stream_for
from showctl.core.liveness import Answered, DeviceLinks
from showctl.core.mix import Master
from showctl.core.playerclock import PlayerClock
from showctl.core.tcout import TimecodeOut
from showctl.model import Venue
from showctl.outputs.actions import Action, Black, Levels, Lights, Stop
from showctl.outputs.resolve import Resolver
from showctl.outputs.router import Router


class Outputs:
    def __init__(self, venue: Venue, clock: Clock, dispatcher: Dispatcher,
                 previous: Outputs | None = None, resolver: Resolver | None = None,
                 answered: Answered | None = None) -> None:
        self.venue, self.clock, self.dispatcher = venue, clock, dispatcher
        self.router = Router(venue, resolver)
        self.devices = DeviceBook(venue)
        self.links = DeviceLinks(venue, self.router, clock, dispatcher.sender,
                                 answered or _ignore)
        self.devices.answering = self.links.answering
        self.devices.silent = self.links.silent
        self.devices.timeouts = self.links.timeouts
        self.players = PlayerClock(self.devices, self.router)
        self.master = Master(db=venue.volume)
        dispatcher.lead = self.router.max_lead
        self.streams = {d: stream_for(d, self.router, dispatcher)
                        for d in self.router.dmx_devices()}
        self._held = object()  # immediate commands held back for slower devices
        self.timecode = TimecodeOut(venue, dispatcher, clock)
        if previous is not None:
            previous.timecode.stop()
            for stream in previous.streams.values():  # a kept-alive one would go on
                dispatcher.remove(stream)
            self._carry(previous)
        # the previous venue's links: kept where a device connects as before, else closed
        # before ours open (a feedback port is bound again)
        self.links.start(previous.links if previous is not None else None)

    def _carry(self, previous: Outputs) -> None:
        """A reload changes the files, not the room: what each device that stays is doing
        (liveness, what it shows, its lighting cue and DMX levels) is known as before."""
        self.players.epoch = previous.players.epoch  # the term outlives a venue reload
        self.master = previous.master  # the room's level is the operator's, not the file's
        book, old = self.devices, previous.devices
        for device in book.online:
            if device in old.online:
                book.online[device] = old.online[device]
                book.outputs[device] = old.outputs[device]
                if device in old.last_seen:
                    book.last_seen[device] = old.last_seen[device]
                    book.heard[device] = old.heard[device]
                if device in old.offline_since:
                    book.offline_since[device] = old.offline_since[device]
                if device in old.offline_reason:
                    book.offline_reason[device] = old.offline_reason[device]
                if device in old.lights:
                    book.lights[device] = old.lights[device]
                if device in old.confirmed:
                    book.confirmed[device] = old.confirmed[device]
                    book.mismatch[device] = old.mismatch.get(device)
                if device in old.said:
                    book.said[device] = old.said[device]
        for device, stream in self.streams.items():
            if device in previous.streams:
                stream.mixer = previous.streams[device].mixer
        self._held = object()  # immediate commands held back for slower devices

    def send_now(self, actions: Sequence[Action], anchor: Anchor | None = None) -> float:
        """Bundles taking effect together as soon as the slowest device can: devices
        without latency get theirs at once, others are held back by the dispatcher.
        Timetagged from `anchor` (the timeline this command restarts, so both share one
        grid) or a fresh one. Returns the wall instant they take effect (their timetag)."""
        anchor = anchor or self.clock.anchor()
        now = self.clock.monotonic()
        effect = now + self.router.max_lead
        wall = anchor.timetag(effect)
        for device, address, data in self.router.packets(
                self.master.resolve(a for a in actions if not isinstance(a, Levels)), wall):
            send_at = effect - self.router.lead[device]
            if send_at <= now:
                self.dispatcher.sender.send(address, data)
            else:
                self.dispatcher.push(self._held, send_at, address, data)
                self.dispatcher.kick()
        self.devices.apply(actions, effect)
        self.start_levels(actions, effect, anchor)
        return wall.wall

    def effect(self) -> float:
        """The monotonic instant an immediate command sent now takes effect: now plus the
        largest lead, so that every device acts on it together (docs/engine.md)."""
        return self.clock.monotonic() + self.router.max_lead

    def drop_held(self) -> None:
        """Immediate commands not sent yet are void (a panic overrides them)."""
        self.dispatcher.remove(self._held)

    def start_levels(self, actions: Sequence[Action], at: float, anchor: Anchor) -> None:
        for action in actions:
            if isinstance(action, Levels) and action.device in self.streams:
                self.streams[action.device].start(action.levels, action.fade, at, anchor)

    def safe_actions(self, fade: float) -> list[Action]:
        """Screens black, sound stopped (faded), lights to the venue's safe look (DMX: its
        levels, others 0)."""
        look = self.venue.safe_look
        actions: list[Action] = [Black(d.id, fade) for d in self.venue.screens]
        actions += [Stop(d.id, fade) for d in self.venue.audio]
        if look.lights:
            actions += [Lights(d.id, look.lights, fade) for d in self.venue.lighting]
        for device, stream in self.streams.items():
            channels = dict.fromkeys(stream.mixer.levels(self.clock.monotonic()), 0)
            channels.update(look.levels)
            actions.append(Levels(device, tuple(sorted(channels.items())), fade))
        return actions


def _ignore(device: str, said: dict[str, Any]) -> None:
    return None
