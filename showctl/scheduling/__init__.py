"""The daily schedule: a pure calendar of starts, APScheduler triggers over it, and the
runner that starts shows on the injected clock (docs/schedule.md)."""
