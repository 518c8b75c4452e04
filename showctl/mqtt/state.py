"""The room's state as MQTT topics: one retained value per topic, plain text.

Plain values (not one JSON blob) because that is what the building's side binds: a Home
Assistant sensor, a Node-RED switch on `…/state/transport == running`, a PLC reading one
topic. Everything here is a pure function of `Controller.status()`, so the face only
compares the map with what the broker already holds and sends the difference.
"""

from __future__ import annotations

import json
import re
from typing import Any

ONLINE, OFFLINE = "online", "offline"
"""`PREFIX/status`: the controller's availability; `offline` is also its last will."""
NONE = "none"
"""No show, no cue, no start planned: MQTT cannot retain an empty payload (it clears the
topic), and a newcomer must still read that there is none."""


def state_topics(prefix: str, status: dict[str, Any]) -> dict[str, str]:
    """Topic -> retained payload for the room as `status()` describes it."""
    show = status.get("show") or {}
    cue = status.get("current_cue") or {}
    upcoming = status.get("next_cue") or {}
    schedule = status.get("schedule") or {}
    starts = schedule.get("next") or {}
    check = status.get("check")
    devices = status.get("devices") or []
    remaining = status.get("remaining")
    volume = status.get("volume") or {}
    base = f"{prefix}/state"
    out = {
        f"{base}/show": str(show.get("id") or NONE),
        f"{base}/show/title": str(show.get("title") or NONE),
        f"{base}/cue": str(cue.get("id") or NONE),
        f"{base}/cue/name": str(cue.get("name") or NONE),
        f"{base}/next_cue": str(upcoming.get("id") or NONE),
        # whole seconds: a display's resolution, and one message a second at most
        f"{base}/elapsed": f"{max(0.0, float(status.get('time') or 0.0)):.0f}",
        f"{base}/remaining": "0" if remaining is None else f"{float(remaining):.0f}",
        f"{base}/next_start": str(starts.get("at") or NONE),
        f"{base}/next_start/show": str(starts.get("show") or NONE),
        f"{base}/schedule_held": "true" if schedule.get("held") else "false",
        f"{base}/devices_online": str(sum(1 for d in devices if d.get("online"))),
        f"{base}/devices_total": str(len(devices)),
        f"{base}/check": NONE if check is None else ("ready" if check.get("ready")
                                                     else "not ready"),
        f"{base}/power": str((status.get("power") or {}).get("state") or "unknown"),
        f"{base}/volume": NONE if volume.get("db") is None else f"{float(volume['db']):g}",
    }
    for device in devices:
        out[f"{base}/devices/{device['id']}"] = ONLINE if device.get("online") else OFFLINE
    # last: the topics go out in this order, so whoever acts on a change of transport
    # already holds the show, cue and times that go with it
    out[f"{base}/transport"] = str(status.get("state", ""))
    return out


_NODE = re.compile(r"[^A-Za-z0-9_-]")

# (object, component, name, extra config): what Home Assistant shows for the room
_SENSORS: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("transport", "sensor", "Transport", {"icon": "mdi:play-pause"}),
    ("show", "sensor", "Show", {"icon": "mdi:movie-open"}),
    ("cue", "sensor", "Cue", {}),
    ("next_cue", "sensor", "Next cue", {}),
    ("elapsed", "sensor", "Elapsed", {"unit_of_measurement": "s", "device_class": "duration"}),
    ("remaining", "sensor", "Remaining", {"unit_of_measurement": "s",
                                          "device_class": "duration"}),
    ("next_start", "sensor", "Next start", {
        "device_class": "timestamp", "value_template": "{{ None if value == 'none' else value }}"}),
    ("devices_online", "sensor", "Devices online", {}),
    ("power", "sensor", "Power", {}),
    ("volume", "sensor", "Master volume", {"unit_of_measurement": "dB"}),
    ("schedule_held", "binary_sensor", "Schedule held",
     {"payload_on": "true", "payload_off": "false"}),
    ("check", "binary_sensor", "Self-check problem",
     {"payload_on": "not ready", "payload_off": "ready", "device_class": "problem"}),
)


def discovery_topics(prefix: str, discovery_prefix: str, venue: str,
                     device_ids: list[str]) -> dict[str, str]:
    """Home Assistant MQTT discovery: one retained config per entity, all of them one HA
    device (the room), available while `PREFIX/status` says `online`."""
    node = _NODE.sub("_", f"showctl_{venue}")
    device = {"identifiers": [node], "name": f"showctl {venue}", "manufacturer": "showctl",
              "model": "show controller"}
    out: dict[str, str] = {}

    def add(component: str, object_id: str, name: str, state: str,
            extra: dict[str, Any]) -> None:
        object_id = _NODE.sub("_", object_id)
        config = {"name": name, "unique_id": f"{node}_{object_id}",
                  "object_id": f"{node}_{object_id}", "state_topic": state,
                  "availability_topic": f"{prefix}/status", "payload_available": ONLINE,
                  "payload_not_available": OFFLINE, "device": device, **extra}
        out[f"{discovery_prefix}/{component}/{node}/{object_id}/config"] = json.dumps(
            config, sort_keys=True)

    for object_id, component, name, extra in _SENSORS:
        add(component, object_id, name, f"{prefix}/state/{object_id}", extra)
    for device_id in device_ids:
        add("binary_sensor", f"device_{device_id}", f"{device_id} online",
            f"{prefix}/state/devices/{device_id}",
            {"payload_on": ONLINE, "payload_off": OFFLINE, "device_class": "connectivity"})
    return out
