"""Simulated screens and lighting: listen where the venue says, act on each command at
its bundle's timetag, report what they got, send heartbeats to the controller."""

from showctl.sim.device import SimDevice
from showctl.sim.simulator import Simulator

__all__ = ["SimDevice", "Simulator"]
