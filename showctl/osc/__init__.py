"""The OSC input face for integrators (SPEC 3.1): UDP and TCP/SLIP, docs/osc.md."""

from showctl.osc.server import OscServer

__all__ = ["OscServer"]
