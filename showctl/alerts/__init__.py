"""Alerts: the room tells people when something goes wrong (SPEC 1.2 `alerts`, 6.3)."""

from showctl.alerts.service import AlertService

__all__ = ["AlertService"]
