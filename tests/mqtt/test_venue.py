"""`mqtt:` and `triggers:` in the venue: each mistake at its line and column."""

from __future__ import annotations

from showctl.mqtt.state import discovery_topics, state_topics
from tests.files.helpers import errors


def test_mqtt_and_trigger_errors_name_their_place(tmp_path):
    assert errors(tmp_path, venue="""\
        venue: room
        mqtt:
          broker: broker.local
          prefix: museum/room1/
          password_file: secret
          tls: yes
          role: root
        triggers:
          - {topic: "buttons/#/film", action: {start: film}}
          - {topic: buttons/door, action: jump}
          - {topic: buttons/x, action: go, cooldown: -1}
        """) == [
        "venue.yaml:3:11: broker: 'broker.local' is not host:port, e.g. 127.0.0.1:8080",
        "venue.yaml:4:11: prefix: 'museum/room1/' is not a topic prefix: levels of letters, "
        "digits, '_', '.', '-' separated by '/', no wildcard, no '/' at either end",
        "venue.yaml:6:8: tls: expected true, false or a mapping (key: value lines), got 'yes'",
        "venue.yaml:7:9: role: 'root' is not one of: 'viewer', 'operator' or 'admin'",
        "venue.yaml:9:13: topic: 'buttons/#/film': '#' must be a whole level, the last one",
        "venue.yaml:10:35: action: action must be go, stop, hold, release or {start: SHOW}, "
        "got 'jump'",
        "venue.yaml:11:46: cooldown: time -1 is negative",
    ]
    assert errors(tmp_path, venue="""\
        venue: room
        mqtt: {broker: "127.0.0.1:1883", password_file: secret}
        """) == ["venue.yaml:2:7: mqtt: password_file needs a user"]


def test_triggers_need_a_broker_and_their_own_topics(tmp_path):
    assert errors(tmp_path, venue="""\
        venue: room
        triggers:
          - {topic: buttons/film, action: go}
        """) == ["venue.yaml:2:1: triggers need mqtt: {broker: host:port} (the broker the "
                 "buttons publish to)"]
    assert errors(tmp_path, venue="""\
        venue: room
        mqtt: {broker: "127.0.0.1:1883", prefix: museum/room1}
        triggers:
          - {topic: museum/+/cmd/go, action: go}
          - {topic: "#", action: hold}
          - {topic: museum/room2/button, action: go}
        """) == [
        "venue.yaml:4:13: 'museum/+/cmd/go' reaches under the mqtt prefix 'museum/room1': "
        "give triggers topics of their own (commands go to PREFIX/cmd/<verb>)",
        "venue.yaml:5:13: '#' reaches under the mqtt prefix 'museum/room1': give triggers "
        "topics of their own (commands go to PREFIX/cmd/<verb>)",
    ]


def test_state_topics_have_a_value_even_when_there_is_none():
    """MQTT cannot retain an empty payload: "none" says there is no show."""
    topics = state_topics("p", {"state": "idle", "show": None, "devices": [
        {"id": "screen1", "online": True}, {"id": "lights", "online": False}]})
    assert topics["p/state/show"] == topics["p/state/cue"] == "none"
    assert topics["p/state/devices/lights"] == "offline"
    assert topics["p/state/devices_online"] == "1"
    assert all(topics.values())
    assert list(topics)[-1] == "p/state/transport"  # sent last: the rest already there
    configs = discovery_topics("p", "homeassistant", "room.1", ["screen1"])
    assert "homeassistant/binary_sensor/showctl_room_1/device_screen1/config" in configs
