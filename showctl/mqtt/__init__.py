"""The MQTT face: the room's state on the building's broker, commands and triggers in."""

from showctl.mqtt.face import MqttFace

__all__ = ["MqttFace"]
