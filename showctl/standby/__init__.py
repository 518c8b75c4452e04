"""Two controllers, one room (SPEC 7.5, docs/standby.md)."""

from showctl.standby.face import StandbyFace

__all__ = ["StandbyFace"]
