"""`mqtt:` and `triggers:` of the venue (SPEC 7.6): the building's broker, and the
visitors' buttons and sensors that may start a show.

The broker is where the room meets Home Assistant, Node-RED and the building's
controllers: the controller publishes its state there and takes commands from it. A
trigger maps one topic (and optionally one payload) to one action, and can do nothing
else: a door sensor mapped to `hold` can never stop a show.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from showctl.model.types import Flag, Frozen, HostPort, Seconds, Whole

Role = Literal["viewer", "operator", "admin"]

_PREFIX = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")


def _topic_filter(value: str) -> str:
    """An MQTT topic filter (MQTT 3.1.1 section 4.7): `+` a whole level, `#` the last."""
    if not value or len(value.encode()) > 65535:
        raise ValueError("a topic must not be empty")
    if "\0" in value:
        raise ValueError("a topic must not contain a NUL character")
    levels = value.split("/")
    for n, level in enumerate(levels):
        if "#" in level and (level != "#" or n != len(levels) - 1):
            raise ValueError(f"{value!r}: '#' must be a whole level, the last one")
        if "+" in level and level != "+":
            raise ValueError(f"{value!r}: '+' must be a whole level")
    return value


class MqttTls(Frozen):
    """TLS to the broker: the system's CAs unless `ca_file`; a client certificate when
    the broker asks for one."""

    ca_file: Path | None = Field(default=None, description="CA bundle (PEM) to trust")
    cert_file: Path | None = Field(default=None, description="client certificate (PEM)")
    key_file: Path | None = Field(default=None, description="its private key (PEM)")
    insecure: Flag = Field(default=False, description="skip the host name check (tests)")

    @model_validator(mode="after")
    def _cert_and_key(self) -> MqttTls:
        if (self.cert_file is None) != (self.key_file is None):
            raise ValueError("cert_file and key_file go together")
        return self


class Mqtt(Frozen):
    """The room's MQTT face (docs/mqtt.md)."""

    broker: HostPort = Field(description="the broker's host:port (1883; 8883 with TLS)")
    tls: Flag | MqttTls = Field(default=False, description="true, or {ca_file, ...}")
    user: str | None = Field(default=None, min_length=1, description="broker user name")
    password_file: Path | None = Field(
        default=None, description="file holding the broker password (relative to the venue "
        "file); never the password itself in the venue")
    prefix: str | None = Field(default=None, description="topic prefix; default showctl/VENUE")
    client_id: str | None = Field(default=None, min_length=1, max_length=64)
    discovery: Flag = Field(default=False, description="Home Assistant MQTT discovery")
    discovery_prefix: str = Field(default="homeassistant")
    role: Role = Field(
        default="viewer", description="the role of a command that carries no token: what "
        "the broker's ACL lets publish on PREFIX/cmd/# is trusted this far")
    keepalive: Whole = Field(default=15, ge=5, le=3600,
                             description="seconds: how soon the broker sees the controller gone")

    @field_validator("prefix", "discovery_prefix")
    @classmethod
    def _plain_prefix(cls, value: str | None) -> str | None:
        if value is not None and not _PREFIX.match(value):
            raise ValueError(f"{value!r} is not a topic prefix: levels of letters, digits, "
                             "'_', '.', '-' separated by '/', no wildcard, no '/' at either end")
        return value

    @model_validator(mode="after")
    def _password_needs_user(self) -> Mqtt:
        if self.password_file is not None and self.user is None:
            raise ValueError("password_file needs a user")
        return self


class StartShow(Frozen):
    start: str = Field(min_length=1, description="the show id")


TriggerVerb = Literal["go", "stop", "hold", "release"]


class Trigger(Frozen):
    """A visitor's button or a sensor: a topic (and payload) mapped to one action."""

    topic: str = Field(description="MQTT topic (filter: + and # allowed)")
    payload: str | None = Field(default=None, description="only this payload; default: any")
    action: TriggerVerb | StartShow
    cooldown: Seconds = Field(default=5.0, le=86400,
                              description="seconds after an action during which presses "
                              "are ignored")

    _check_topic = field_validator("topic")(lambda cls, v: _topic_filter(v))

    @field_validator("action", mode="before")
    @classmethod
    def _one_action(cls, value: object) -> object:
        if isinstance(value, dict) or value in ("go", "stop", "hold", "release"):
            return value
        raise ValueError(f"action must be go, stop, hold, release or {{start: SHOW}}, "
                         f"got {value!r}")

