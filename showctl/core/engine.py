"""The transport: one show's state machine over the timeline (docs/engine.md).

idle -> loaded -> (prerolling) -> running <-> holding, running/holding <-> paused,
any of them -> stopping -> idle; panic -> idle from anywhere. A refused command raises
before touching anything, so nothing is ever half-applied.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from showctl.core import events
from showctl.core.clock import Anchor, Clock
from showctl.core.devices import DeviceBook
from showctl.core.dispatch import Dispatcher
from showctl.core.errors import CommandError
from showctl.core.outputs import Outputs
from showctl.core.plan import Plan, PlannedCue, compile_plan
from showctl.core.seek import catch_up, cue_up, prefer_seek
from showctl.core.timeline import DmxStream, HoldClock, Timeline
from showctl.core.transport import LOADED, TransportState
from showctl.model import Show, Venue
from showctl.outputs.actions import Action, Pause, Play, Resume, ShowClock
from showctl.outputs.resolve import Resolver
from showctl.outputs.sender import UdpSender


class Engine:
    def __init__(self, venue: Venue, clock: Clock, bus: events.EventBus) -> None:
        self.clock, self.bus = clock, bus
        self.dispatcher = Dispatcher(clock, UdpSender())
        self.resolver = Resolver(clock)
        self.resolver.on_change.append(self._addresses_changed)
        self.state = TransportState.IDLE
        self.state_since = clock.time()  # wall instant of the last change (a hold's length)
        self.plan: Plan | None = None
        self.loads = 0  # counts loads: a face can tell a reloaded show from the one it drew
        self.current: PlannedCue | None = None
        self.next_index = 0
        self.started_by: str | None = None
        self._timeline: Timeline | None = None
        self._hold_clock: HoldClock | None = None
        self._tail: Timeline | None = None  # a paused timeline's last lead of cues
        self._moves_at = 0.0  # monotonic instant the timeline last (re)started moving
        self._t0 = 0.0  # monotonic instant of show time 0 while the timeline moves
        self._anchor: Anchor = clock.anchor()  # the timeline's wall/monotonic reading
        self._t_start = 0.0  # monotonic instant the run starts (end of preroll)
        self._frozen = 0.0  # show time while the timeline stands still
        self._loaded_at = 0.0
        self._resume_to = TransportState.RUNNING
        self._resume: list[str] = []  # screens that `resume`/`go` must set playing
        self._stop_token = object()  # the end of a stop's fade
        self.on_idle: Callable[[], None] = lambda: None
        """Called once the engine is idle, before the `idle` event goes out (the
        controller swaps in a venue that waited for the show to end)."""
        self.on_answer: Callable[[str, dict[str, Any]], None] = lambda device, said: None
        """Called when a device answered in its own protocol (core.liveness)."""
        self.use_venue(venue)

    def _addresses_changed(self) -> None:
        self.out.router.update_addresses()
        self.out.links.readdress()  # a device's own link follows its name

    def use_venue(self, venue: Venue) -> None:
        """A new venue (reload) takes effect here, only while idle."""
        previous: Outputs | None = getattr(self, "out", None)
        self.venue = venue
        self.resolver.use(d.host for d in venue.devices)
        self.out: Outputs = Outputs(venue, self.clock, self.dispatcher, previous, self.resolver,
                                    answered=lambda device, said: self.on_answer(device, said))

    @property
    def anchor(self) -> Anchor:
        """The reading of both clocks the running timeline's timetags come from: each is
        this wall instant plus its monotonic distance from it (bench/peers.py checks)."""
        return self._anchor

    def t0(self) -> float | None:
        """The monotonic instant of show time 0 of the players' line: while the timeline
        moves (running, prerolling towards it) and while it holds (the players keep
        playing on it); None otherwise."""
        if self.state in (TransportState.RUNNING, TransportState.PREROLLING,
                          TransportState.HOLDING):
            return self._t0
        return None

    @property
    def devices(self) -> DeviceBook:
        return self.out.devices

    @property
    def streams(self) -> dict[str, DmxStream]:
        return self.out.streams

    # -- reading --------------------------------------------------------------------
    def show_time(self) -> float:
        """While a restarted timeline waits for its effect instant (a lead), the playhead
        shows where it restarts: a seek to 1:30 reads 1:30, never 1:29.98."""
        if self.state in (TransportState.RUNNING, TransportState.PREROLLING):
            now = self.clock.monotonic()
            if self.state == TransportState.RUNNING and now < self._moves_at:
                return self._frozen
            return now - self._t0
        return self._frozen

    @property
    def next_cue(self) -> PlannedCue | None:
        plan = self.plan
        return plan.cues[self.next_index] if plan and self.next_index < len(plan.cues) else None

    # -- commands -------------------------------------------------------------------
    def set_volume(self, db: float, fade: float, by: str) -> None:
        """The master volume: every audio device gets its cue level plus the new master
        now (over `fade`, or over the rest of a cue's fade if that is longer)."""
        master = self.out.master
        master.db, master.fade, master.by, master.at = db, fade, by, self.clock.time()
        self.out.send_now(self.devices.volume_actions(fade, self.clock.monotonic()))
        self.bus.publish(events.VOLUME, db=db, fade=fade, by=by)

    def load(self, show: Show) -> None:
        if self.state not in (TransportState.IDLE, TransportState.LOADED):
            raise CommandError(f"cannot load while {self.state}: "
                               + _advice_to_load(self.state))
        self.resolver.start()  # a no-op once running (it needs the loop)
        try:
            plan = compile_plan(show, self.venue)
        except KeyError as exc:
            raise CommandError(f"show {show.id!r} names unknown device {exc}") from None
        self.plan, self.current, self.next_index = plan, None, 0
        self.loads += 1
        self._frozen, self._loaded_at = 0.0, self.clock.monotonic()
        self.out.send_now(plan.preloads())
        self.out.timecode.load(show)
        self.out.timecode.freeze(0.0)
        self._set_state(TransportState.LOADED)

    def go(self, by: str, at: float | None = None, reason: str | None = None) -> None:
        """`reason`: why a start goes ahead though something is wrong (the run event's)."""
        now = self.clock.monotonic()
        effect = self.out.effect()  # when every device can act together
        if self.state == TransportState.HOLDING:
            anchor = self.clock.anchor()
            self.out.send_now([Resume(d) for d in self._resume], anchor)
            self._resume = []
            self._halt()
            self._run_from(effect, self._frozen, self.next_index, anchor=anchor)
            self._set_state(TransportState.RUNNING)
            return
        if self.state != TransportState.LOADED:
            raise CommandError(f"cannot go while {self.state}: " + _advice_to_go(self.state))
        assert self.plan is not None
        start = self._frozen
        earliest = self._loaded_at + self.plan.show.preroll
        self._t_start = max(now, at) if at is not None else max(effect, earliest)
        self.started_by = by
        self.bus.publish(events.RUN, show=self.plan.show.id, by=by, event="start",
                         outcome=None, reason=reason)
        index = self.plan.index_after(start) if start > 0 else 0
        if index and self.plan.cues[index - 1].cue.hold and self.plan.cues[index - 1].at == start:
            index -= 1  # loaded at a hold cue: GO arrives at that hold, it does not skip it
        extra = catch_up(self.plan, start, list(self.streams)) if start > 0 else []
        self._run_from(self._t_start, start, index, extra)
        if self._t_start > now:
            self.dispatcher.push(self._timeline, self._t_start,
                                 callback=lambda: self._set_state(TransportState.RUNNING))
            self._set_state(TransportState.PREROLLING)
        else:
            self._set_state(TransportState.RUNNING)

    def rejoin(self, show: Show, t: float, by: str, hold_at: float | None = None,
               t0: float | None = None) -> None:
        """A controller restarted mid-show takes the show back where it is, without
        touching players that kept playing: show time `t` now (running), or holding at
        the hold cue at `hold_at` since `t - hold_at` seconds (players kept playing).

        Every player the drift clock reaches gets `clock` at once instead of a `play` (a
        player already there only corrects, one that lost its media rejoins from it);
        players it does not reach get `play` at the position; the rest of the look
        (black screens, the last console cue, DMX and sound levels) is set as a seek
        would. Nothing is loaded, nothing paused, no preroll waited for."""
        if self.state != TransportState.IDLE:
            raise CommandError(f"cannot rejoin a show while {self.state}")
        try:
            plan = compile_plan(show, self.venue)
        except KeyError as exc:
            raise CommandError(f"show {show.id!r} names unknown device {exc}") from None
        effect, anchor = self.out.effect(), self.clock.anchor()
        now = self.clock.monotonic()
        if t0 is not None:  # the show's line given by its origin: exact whatever this took
            t = now - t0
        t_e = t + (effect - now)  # show time when it takes effect
        at = t_e if hold_at is None else hold_at
        self.plan, self.current, self.loads = plan, None, self.loads + 1
        self.out.timecode.load(show)
        self.started_by = by
        self.bus.publish(events.RUN, show=plan.show.id, by=by, event="start",
                         outcome=None, reason=None)
        look = catch_up(plan, at, list(self.streams))
        ahead = t_e - at  # how far players have run past the look's instant (a hold)
        clocked = set(self.out.players.targets)
        plays = [Play(a.device, a.media, round(a.position + ahead, 6))
                 for a in look if isinstance(a, Play)]
        sent: list[Action] = [a for a in look if not isinstance(a, Play)]
        sent += [ShowClock(a.device, round(at, 6), a.media, a.position, self.out.players.epoch)
                 if a.device in clocked else a for a in plays]
        self.out.send_now(sent, anchor)
        self.devices.apply([a for a in plays if a.device in clocked], effect)
        self._t0, self._anchor = effect - t_e, anchor
        self._mark_current(at)
        if hold_at is None:
            self._run_from(effect, t_e, plan.index_after(t_e), restarts=False, anchor=anchor)
            self._set_state(TransportState.RUNNING)
        else:
            self._frozen, self.next_index = hold_at, plan.index_after(hold_at)
            self._hold(hold_at)
            self._set_state(TransportState.HOLDING)

    def pause(self) -> None:
        """Every device pauses at now + the largest lead; the cues due before then still
        go out to every device (some already have them: bundles sent cannot be
        recalled), so the room stands still in one consistent look (docs/engine.md)."""
        if self.state not in (TransportState.RUNNING, TransportState.HOLDING):
            idle = self.state == TransportState.IDLE
            raise CommandError(f"cannot pause while {self.state}: " + (
                "load a show and GO first" if idle else "only a running or holding show pauses"))
        self._resume_to = self.state
        if (self.state == TransportState.RUNNING and self._timeline is not None
                and self.plan is not None):
            t, tail = self._tail_until(self.out.effect() - self._t0)
            self._timeline.cut(t)
            self.dispatcher.cut(self._timeline, self._t0 + t)
            self.out.timecode.freeze(t, at=self._t0 + t)
            self.dispatcher.retire(self._timeline)
            self._tail, self._timeline = self._timeline, None
            self._frozen, self.next_index = t, self.next_index + len(tail)
            if tail and tail[-1].cue.hold:
                self._resume_to = TransportState.HOLDING
            playing = self.devices.playing_screens(after=[a for c in tail for a in c.actions])
        else:
            self._halt()
            playing = self.devices.playing_screens()
        self._resume = playing
        self.out.send_now([Pause(d) for d in self._resume])
        self._set_state(TransportState.PAUSED)

    def _tail_until(self, t: float) -> tuple[float, list[PlannedCue]]:
        """The cues still to come up to show time `t`, and where the playhead stops:
        `t`, or at a hold cue among them."""
        assert self.plan is not None
        tail: list[PlannedCue] = []
        for planned in self.plan.cues[self.next_index:]:
            if planned.at > t:
                break
            tail.append(planned)
            if planned.cue.hold:
                return planned.at, tail
        return t, tail

    def resume(self) -> None:
        if self.state != TransportState.PAUSED:
            raise CommandError(f"cannot resume while {self.state}: only a paused show resumes")
        if self._resume_to == TransportState.HOLDING:
            self._set_state(TransportState.HOLDING)  # players stay as they are until go
            return
        anchor = self.clock.anchor()
        self.out.send_now([Resume(d) for d in self._resume], anchor)
        self._resume = []
        self._run_from(self.out.effect(), self._frozen, self.next_index, anchor=anchor)
        self._set_state(TransportState.RUNNING)

    def stop(self, fade: float, by: str | None = None) -> None:
        if self.state == TransportState.STOPPING:  # a second Stop during the fade: a cut
            self.out.send_now(self.out.safe_actions(0.0))
            self._finish("stopped", by)
            return
        if self.state not in LOADED:
            raise CommandError(f"cannot stop while {self.state}: nothing is loaded")
        if fade < 0:
            raise CommandError("fade must not be negative")
        was_loaded = self.state == TransportState.LOADED
        self._halt()
        self.out.send_now(self.out.safe_actions(fade))
        if fade <= 0 or was_loaded:  # nothing ran: unload now, a new show may load at once
            self._finish("stopped", by)
            return
        self._set_state(TransportState.STOPPING)
        self.dispatcher.push(self._stop_token, self.clock.monotonic() + fade,
                             callback=lambda: self._finish("stopped", by))
        self.dispatcher.kick()

    def panic(self, by: str | None = None, interrupted: str | None = None) -> None:
        """`interrupted`: the run did not end by anyone's choice (the controller is shutting
        down, or restarted during it): its outcome is `interrupted`, with this reason."""
        self._halt()
        self.out.drop_held()
        self.out.send_now(self.out.safe_actions(0.0))
        self._finish("interrupted" if interrupted else "panic", by, interrupted)
        self.bus.publish(events.LOG, level="warning", message="panic: all outputs black")

    def seek(self, t: float) -> None:
        if self.state not in LOADED or self.plan is None:
            raise CommandError(f"cannot seek while {self.state}: "
                               + ("wait until it is idle, then load a show"
                                  if self.state == "stopping" else "load a show first"))
        if not 0 <= t <= self.plan.length:
            raise CommandError(f"{t} is outside the show (0 to {self.plan.length})")
        look = catch_up(self.plan, t, list(self.streams))
        if self.state == TransportState.RUNNING:
            self._halt()
            anchor = self.clock.anchor()
            self.out.send_now(prefer_seek(look, self.devices), anchor)
            self._run_from(self.out.effect(), t, self.plan.index_after(t), anchor=anchor)
        elif self.state == TransportState.PREROLLING:
            self._halt()
            self.out.send_now(cue_up(look))
            self._run_from(self._t_start, t, self.plan.index_after(t), look)
            self.dispatcher.push(self._timeline, self._t_start,
                                 callback=lambda: self._set_state(TransportState.RUNNING))
        else:
            self._halt()  # a paused show's last cues still on their way are void
            self.out.send_now(cue_up(look))
            self._frozen = t
            self.out.timecode.freeze(t)
            self.next_index = self.plan.index_after(t)
            self._resume = [a.device for a in look if isinstance(a, Play)]
            if self.state == TransportState.HOLDING:
                self._hold(t)
        self._mark_current(t)
        self._set_state(self.state, moved=True)

    def fire(self, cue_id: str) -> PlannedCue:
        if self.state not in LOADED or self.plan is None:
            raise CommandError(f"cannot fire a cue while {self.state}: load a show first")
        planned = self.plan.cues[self.plan.cue_index(cue_id)]
        wall = self.out.send_now(planned.actions)
        self.current = planned  # fired out of order: what the room shows now
        self._publish_cue(planned, wall)
        return planned

    # -- inside ---------------------------------------------------------------------
    def _run_from(self, start_at: float, t: float, index: int,
                  extra: list[Action] | None = None, *, restarts: bool = True,
                  anchor: Anchor | None = None) -> None:
        """The timeline at show time `t` from monotonic `start_at` on. `restarts`: the
        playhead reads `t` until then (a seek, a resume); a rejoin's show is already
        running (players kept playing), its playhead moves on from now. `anchor`: the
        reading of both clocks its timetags come from (the restarting command's)."""
        assert self.plan is not None
        self._t0, self.next_index = start_at - t, index
        self._frozen, self._moves_at = t, start_at if restarts else 0.0
        self._anchor = anchor or self.clock.anchor()
        self._timeline = Timeline(self.plan, self.out.router, self.clock, t0=self._t0, start=t,
                                  anchor=self._anchor, index=index, on_cue=self._on_cue,
                                  on_end=self._on_end, players=self.out.players,
                                  master=self.out.master,
                                  on_levels=self.out.start_levels, catch_up=extra or ())
        self.dispatcher.add(self._timeline)
        self.out.timecode.run(start_at, t)

    def _halt(self) -> None:
        """The timeline stops where it is; nothing of it is sent any more."""
        self._frozen = self.show_time()
        self.out.timecode.freeze(self._frozen)
        for timeline in (self._timeline, self._tail):
            if timeline is not None:
                self.dispatcher.remove(timeline)
        self._timeline = self._tail = None
        if self._hold_clock is not None:
            self.dispatcher.remove(self._hold_clock)
            self._hold_clock = None

    def _hold(self, t: float) -> None:
        """Holding at show time `t`: the drift clock goes on each second for the players
        that keep playing (seconds counted on from the last tick)."""
        if self._hold_clock is not None:
            self.dispatcher.remove(self._hold_clock)
        self.out.timecode.freeze(t)
        now = self.clock.monotonic()  # the next whole second of the show's grid from now
        first = self._t0 + math.floor(now - self._t0) + 1.0  # (`t` is not: after a seek)
        self._hold_clock = HoldClock(self.out.players, self.out.router, self.clock,
                                     self.out.master, show_time=t, first=first,
                                     anchor=self._anchor)
        self.dispatcher.add(self._hold_clock)

    def _on_cue(self, planned: PlannedCue, wall: float) -> None:
        with self.bus.held():  # the cue and a hold it makes go out together, once done
            self._cue_done(planned, wall)

    def _cue_done(self, planned: PlannedCue, wall: float) -> None:
        self.current = planned
        self.next_index = max(self.next_index, planned.index + 1)
        effect = self._t0 + planned.at  # the instant its bundles are timetagged for
        self.devices.apply(planned.actions, effect)  # (its DMX fades started a lead ago)
        self._publish_cue(planned, wall)
        if planned.cue.hold and self.state != TransportState.PAUSED:  # pause() knew of it
            self._halt()
            self._frozen = planned.at
            self._hold(planned.at)
            self._set_state(TransportState.HOLDING)

    def _on_end(self) -> None:
        self._halt()
        self._finish("completed", "end of show")

    def _finish(self, outcome: str, by: str | None = None, reason: str | None = None) -> None:
        """Back to idle: everything cleared first, then `idle` and the run's end. `by`:
        who or what ended the run (history's `ended_by`)."""
        with self.bus.held():
            self.dispatcher.remove(self._stop_token)
            started_by, show, previous = self.started_by, \
                self.plan.show.id if self.plan else None, self.state
            time = round(self.show_time(), 3)
            self.plan, self.current, self.next_index, self._frozen = None, None, 0, 0.0
            self.out.timecode.stop()
            self.started_by, self._resume, self.state = None, [], TransportState.IDLE
            self.on_idle()
            if previous != TransportState.IDLE:
                self.state_since = self.clock.time()
                self.bus.publish(events.STATE, state=TransportState.IDLE, previous=previous,
                                 show=show, time=time)
            if started_by is not None:
                self.bus.publish(events.RUN, show=show, by=started_by, event="end",
                                 outcome=outcome, reason=reason, ended_by=by)

    def _mark_current(self, t: float) -> None:
        assert self.plan is not None
        index = self.plan.index_after(t)
        self.current = self.plan.cues[index - 1] if index else None

    def _publish_cue(self, planned: PlannedCue, wall: float) -> None:
        assert self.plan is not None
        self.bus.publish(events.CUE, show=self.plan.show.id, cue=planned.cue.id,
                         name=planned.cue.name, at=planned.at, devices=list(planned.devices),
                         deadline_wall=wall)

    def _set_state(self, state: TransportState, *, moved: bool = False) -> None:
        """Publishes a change (or, with `moved`, a playhead jump within one state)."""
        previous, self.state = self.state, state
        if previous == state and not moved:
            return
        if previous != state:
            self.state_since = self.clock.time()
        self.bus.publish(events.STATE, state=state, previous=previous,
                         show=self.plan.show.id if self.plan else None,
                         time=round(self.show_time(), 3))

    async def close(self) -> None:
        await self.out.links.aclose()
        await self.resolver.close()
        await self.dispatcher.close()


def _advice_to_load(state: str) -> str:
    """What to do before a load, for the state that refused it."""
    if state == TransportState.STOPPING:
        return "the show is stopping: load once it is idle (Stop again to cut at once)"
    return "stop the show first"


def _advice_to_go(state: str) -> str:
    """What to do before a GO, for the state that refused it."""
    if state == TransportState.IDLE:
        return "load a show first"
    if state in (TransportState.RUNNING, TransportState.PREROLLING):
        return "the show is already going"
    if state == TransportState.PAUSED:
        return "a paused show continues with Resume"
    if state == TransportState.STOPPING:
        return "the show is stopping: load it again once it is idle"
    return "load a show first"
