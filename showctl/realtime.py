"""Real-time scheduling for the thread that dispatches cues (venue `realtime:`, SPEC 1.2).

Under SCHED_FIFO the loop thread wakes within tens of microseconds of its timer and is
not preempted by ordinary processes, so a CPU-bound neighbour no longer moves cues by
milliseconds (docs/realtime.md). Only the calling thread (the event loop's) gets it:
SCHED_RESET_ON_FORK makes every thread and process started afterwards (executors,
DNS, subprocesses) ordinary again. The kernel's RT throttling (sched_rt_runtime_us)
stays as it is: a runaway loop cannot take more than its share of a CPU.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import resource
from dataclasses import dataclass
from typing import Any, Literal

log = logging.getLogger(__name__)

Mode = Literal["auto", "on", "off"]

PRIORITY = 20
"""SCHED_FIFO priority asked for: above ordinary processes and Pd's default (which runs
audio at its own), below the kernel's interrupt threads (50) and watchdogs (99)."""

MCL_CURRENT, MCL_FUTURE = 1, 2
POLICIES = {getattr(os, "SCHED_OTHER", 0): "SCHED_OTHER", getattr(os, "SCHED_FIFO", 1):
            "SCHED_FIFO", getattr(os, "SCHED_RR", 2): "SCHED_RR"}
REALTIME = ("SCHED_FIFO", "SCHED_RR")


class RealtimeRefused(Exception):
    """`realtime: on` and the system does not allow it (one line: what to grant)."""


@dataclass(frozen=True, slots=True)
class Realtime:
    """What is in force for the dispatching thread, as status() and the log say it."""

    mode: Mode
    policy: str
    priority: int
    memory_locked: bool
    note: str

    @property
    def active(self) -> bool:
        return self.policy in REALTIME

    def as_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "policy": self.policy, "priority": self.priority,
                "memory_locked": self.memory_locked, "note": self.note}

    def line(self) -> str:
        locked = "memory locked" if self.memory_locked else "memory not locked"
        if self.active:
            return f"real-time dispatch: {self.policy} priority {self.priority}, {locked}" + (
                f" ({self.note})" if self.note else "")
        return f"real-time dispatch off ({self.note}): cues may move by milliseconds " \
               "when other processes want the CPU"


def current() -> tuple[str, int]:
    """The calling thread's policy and priority."""
    policy = os.sched_getscheduler(0) & ~getattr(os, "SCHED_RESET_ON_FORK", 0)
    return POLICIES.get(policy, str(policy)), os.sched_getparam(0).sched_priority


def apply(mode: Mode, priority: int = PRIORITY) -> Realtime:
    """Puts the calling thread under SCHED_FIFO when `mode` and the system allow it.

    `auto`: when allowed (root, CAP_SYS_NICE, or RLIMIT_RTPRIO, or the service manager
    already set it), else ordinary scheduling with the reason; `on`: RealtimeRefused
    instead; `off`: nothing changes."""
    policy, prio = current()
    if mode == "off":
        return _off(policy, prio)
    if policy in REALTIME:  # systemd's CPUSchedulingPolicy= or chrt: keep what was given
        return Realtime(mode, policy, prio, lock_memory(), "set by the service manager")
    wanted = allowed_priority(priority)
    try:
        os.sched_setscheduler(0, os.SCHED_FIFO | os.SCHED_RESET_ON_FORK,
                              os.sched_param(wanted))
    except OSError as exc:
        reason = (f"SCHED_FIFO not allowed ({exc.strerror}): needs root, CAP_SYS_NICE or "
                  f"an RLIMIT_RTPRIO (systemd: LimitRTPRIO= or CPUSchedulingPolicy=fifo)")
        if mode == "on":
            raise RealtimeRefused(f"realtime: on, but {reason}") from None
        return Realtime(mode, policy, prio, False, reason)
    policy, prio = current()
    return Realtime(mode, policy, prio, lock_memory(), "")


def _off(policy: str, prio: int) -> Realtime:
    """`off` undoes a real-time policy the process was started with, where it may."""
    if policy in REALTIME:
        try:
            os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))
        except OSError:
            return Realtime("off", policy, prio, False, "realtime: off in the venue, but the "
                            "service manager set it and the sandbox keeps it")
        policy, prio = current()
    return Realtime("off", policy, prio, False, "realtime: off in the venue")


def allowed_priority(wanted: int) -> int:
    """`wanted`, or at most the RLIMIT_RTPRIO an unprivileged user was given."""
    soft, _ = resource.getrlimit(resource.RLIMIT_RTPRIO)
    if os.geteuid() == 0 or soft == resource.RLIM_INFINITY or soft <= 0:
        return wanted  # privileged, or not allowed at all (the call says which)
    return min(wanted, soft)


def lock_memory() -> bool:
    """mlockall, only where it cannot make later allocations fail: as root or with an
    unlimited RLIMIT_MEMLOCK (a page fault on the timing path is a disk read away)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_MEMLOCK)
    if os.geteuid() != 0 and soft != resource.RLIM_INFINITY:
        return False
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if libc.mlockall(MCL_CURRENT | MCL_FUTURE) != 0:
        log.warning("mlockall failed: %s", os.strerror(ctypes.get_errno()))
        return False
    return True


def unlock_memory() -> None:
    ctypes.CDLL(ctypes.util.find_library("c")).munlockall()
