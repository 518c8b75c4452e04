"""The room: devices, groups, inputs, users (SPEC 1.2)."""

from __future__ import annotations

import base64
import binascii
import re
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import ClassVar, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator, model_validator

from showctl.model.media import MediaSettings
from showctl.model.mqtt import Mqtt, Trigger
from showctl.model.picture import Blend, Geometry
from showctl.model.players import PlayerPolicy
from showctl.model.standby import Standby
from showctl.model.timecode import Timecode
from showctl.model.types import (
    Decibels,
    DmxChannel,
    DmxLevel,
    Frozen,
    HostPort,
    Network,
    Seconds,
    Visible,
    Whole,
)

DeviceKind = Literal["screen", "lighting", "audio", "projector", "osc"]
Role = Literal["viewer", "operator", "admin"]


class Device(Frozen):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    kind: DeviceKind
    host: str = "127.0.0.1"
    port: Whole = Field(ge=1, le=65535)
    profile: str = "showctl"
    latency: Seconds | None = None
    index: Whole | None = Field(default=None, ge=1, description="screen number, 1-based")
    angle: float | None = Field(default=None, ge=0, lt=360, description="degrees, clockwise")
    universe: Whole = Field(default=0, ge=0, le=63999,
                            description="DMX universe (ola, artnet, sacn profiles)")
    priority: Whole | None = Field(default=None, ge=0, le=200,
                                   description="sACN priority (sacn; 100)")
    rate: float | None = Field(default=None, ge=1, le=44,
                               description="DMX frames a second (sacn, artnet; 40)")
    # What some products need (docs/profiles.md); each profile names the ones it takes
    # (`Profile.options`) and the files' checks refuse the others.
    transport: Literal["udp", "tcp", "tcp-slip", "tcp-length-prefixed", "websocket"] | None = \
        Field(default=None, description="udp, tcp (the product's framing), tcp-slip, "
              "tcp-length-prefixed or websocket (qlcplus); default: the profile's")
    framing: Literal["slip", "length-prefixed"] | None = Field(
        default=None, description="OSC over TCP framing (eos): slip (OSC 1.1) or "
        "length-prefixed (OSC 1.0); default: the product's for its port")
    password: str | None = Field(default=None, description="PJLink password (pjlink)")
    passcode: str | None = Field(default=None, description="workspace passcode (qlab)")
    workspace: str | None = Field(default=None, min_length=1,
                                  description="workspace id or name (qlab)")
    cue_list: Whole | None = Field(default=None, ge=1, description="cue list (eos; 1)")
    sequence: Whole | None = Field(default=None, ge=1, description="sequence (grandma3)")
    playback: Whole | None = Field(default=None, ge=1, le=10,
                                   description="playback 1-10 (magicq; 1)")
    layer: Whole | None = Field(default=None, ge=1, description="layer (resolume; 1)")
    prefix: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]+$",
                               description="OSC prefix set on the console (grandma3)")
    input: str | None = Field(default=None, pattern=r"^[1-6][1-9A-Z]$",
                              description="PJLink input selected at power on, e.g. '31'")
    # PJLink (pjlink): the shutter's mute, the status poll's period, the projector's class
    shutter: Literal["av", "video", "audio"] | None = Field(
        default=None, description="AVMT 31/30 (av, default), 11/10 (video) or 21/20 (audio)")
    poll_interval: Seconds | None = Field(default=None, ge=1, le=300,
                                          description="seconds between status polls (5)")
    pjlink_class: Literal[1, 2] | None = Field(default=None, description="PJLink class (1)")
    feedback_port: Whole | None = Field(
        default=None, ge=1, le=65535,
        description="UDP port the controller listens on for this device's replies")
    blend: Blend | None = Field(default=None, description="soft edges (screens, SPEC 7.3)")
    geometry: Geometry | None = Field(default=None, description="keystone or warp (screens)")
    mac: str | None = Field(default=None, pattern=r"^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$",
                            description="MAC address: the power plan wakes it (wake-on-LAN)")

    OPTIONS: ClassVar[tuple[str, ...]] = (
        "transport", "framing", "password", "passcode", "workspace", "cue_list", "sequence",
        "playback", "layer", "prefix", "input", "feedback_port", "priority", "rate",
        "shutter", "poll_interval", "pjlink_class")
    """The product options: each profile takes some (`Profile.options`), refuses others."""

    @model_validator(mode="after")
    def _screens_have_an_index(self) -> Device:
        if self.kind == "screen" and self.index is None:
            raise ValueError(f"screen {self.id!r} needs an index")
        if self.kind != "screen" and (self.blend or self.geometry):
            raise ValueError(f"{self.id!r} is a {self.kind} device: blend and geometry "
                             "are for screens")
        return self


class OscInput(Frozen):
    listen: HostPort = ("127.0.0.1", 53100)
    allow: tuple[Network, ...] = (IPv4Network("127.0.0.0/8"),)
    passcode: str | None = None
    admin_passcode: str | None = Field(
        default=None, min_length=8, description="the OSC admin role: a client that "
        "/showctl/connect's with it may send the power commands, which are off without "
        "it (docs/osc.md)")
    heartbeat_timeout: Seconds = 5.0

    @model_validator(mode="after")
    def _two_passcodes(self) -> OscInput:
        if self.admin_passcode is not None and self.admin_passcode == self.passcode:
            raise ValueError("osc.admin_passcode must differ from osc.passcode (else every "
                             "connected client is an admin)")
        return self


_B64 = r"([A-Za-z0-9+/=]+)"
_SCRYPT = re.compile(rf"^scrypt\$(\d{{1,10}})\$(\d{{1,4}})\$(\d{{1,4}})\${_B64}\${_B64}$")


def _password_hash(value: str) -> str:
    """A hash as `showctl passwd` writes it (scrypt$N$r$p$salt$hash, base64), never a
    password written in clear nor a hash no login could ever match."""
    found = _SCRYPT.match(value)
    ok = found is not None
    if found is not None:
        n, r, p = (int(found[i]) for i in (1, 2, 3))
        ok = n > 1 and n & (n - 1) == 0 and n <= 1 << 20 and 0 < r <= 64 and 0 < p <= 16
        try:
            ok = ok and all(base64.b64decode(found[i], validate=True) for i in (4, 5))
        except (binascii.Error, ValueError):
            ok = False
    if not ok:
        raise ValueError("not a password hash: make one with `showctl passwd` (it prints "
                         "scrypt$16384$8$1$<salt>$<hash>); never write the password itself")
    return value


class User(Frozen):
    name: Visible = Field(min_length=1)
    role: Role
    password_hash: str = Field(min_length=1)

    _check_hash = field_validator("password_hash")(lambda cls, v: _password_hash(v))


class ApiToken(Frozen):
    name: str = Field(min_length=1)
    role: Role
    token_hash: str = Field(min_length=1)


class Web(Frozen):
    listen: HostPort = ("127.0.0.1", 8080)
    hosts: tuple[str, ...] = Field(
        default=(), description="names the dashboard is reached by (Host header), besides "
        "its listen address; others are refused (DNS rebinding)")
    users: tuple[User, ...] = ()
    tokens: tuple[ApiToken, ...] = ()


class SafeLook(Frozen):
    """Where the lighting goes on stop, panic and shutdown."""

    lights: str | None = Field(default="house-up", description="console cue to recall")
    fade: Seconds = 3.0
    levels: dict[DmxChannel, DmxLevel] = Field(
        default_factory=dict, description="DMX channel -> 0-255"
    )


AlertEvent = Literal[
    "device_offline", "device_online", "show_failed", "show_interrupted",
    "start_skipped", "start_missed", "start_devices_missing", "check_failed",
    "projector_error", "projector_ok", "controller_restarted", "storage_failed",
    "storage_ok", "takeover", "standby_not_following", "standby_following",
]


class AlertTarget(Frozen):
    """Where the room reports trouble: an Apprise URL (mailto://, json://, ntfy://, ...)."""

    url: str = Field(min_length=3, description="Apprise URL; secrets in it are never shown")
    events: tuple[AlertEvent, ...] | None = Field(
        default=None, description="which alerts go there; default: every kind")

    @field_validator("url")
    @classmethod
    def _looks_like_a_url(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError(f"{value!r} is not an Apprise URL such as "
                             "mailto://user:pass@smtp.example.org or json://host/path")
        return value


class WakeOnLan(Frozen):
    """Where magic packets go: the PCs' subnet broadcast (directed broadcasts, e.g.
    10.0.0.255, cross routers that allow them; 255.255.255.255 stays on this segment)."""

    address: IPv4Address = IPv4Address("255.255.255.255")
    port: Whole = Field(default=9, ge=1, le=65535)
    interface: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9_.:@-]{1,15}$",
        description="the network interface the packets leave by (e.g. the show LAN's "
        "eth1); default: the route to `address` (255.255.255.255: the default route's)")


class SelfCheck(Frozen):
    """What the pre-show self-check asks, and what a failed one does (SPEC 6.3)."""

    before_first: Seconds = Field(default=900.0,
                                  description="seconds before the day's first start")
    lamp_hours_max: Whole | None = Field(default=None, ge=1,
                                         description="lamp hours that need a new lamp")
    clock_offset_max_ms: float = Field(default=2.0, gt=0)
    warm_up_timeout: Seconds = Field(default=120.0, description="projector warm-up limit")
    on_fail: Literal["run", "hold"] = Field(
        default="run", description="run: starts go ahead (alerted); hold: the schedule is held")
    visual: Literal["grid", "crosshatch", "blend", "bars"] | None = Field(
        default=None, description="the optional visual step: this test pattern on every "
        "screen after each check of an idle room, for a technician's look (docs/picture.md)")


class Metrics(Frozen):
    enabled: bool = True
    open: bool = Field(default=False, description="GET /metrics without a token")


class Venue(Frozen):
    venue: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    timezone: str = "UTC"
    state_dir: Path = Path("var")
    shows: Path = Path("../shows")
    schedule: Path = Path("schedule.yaml")
    osc: OscInput = OscInput()
    web: Web = Web()
    devices: tuple[Device, ...] = ()
    groups: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    safe_look: SafeLook = SafeLook()
    on_restart: Literal["resume", "safe"] = "safe"
    alerts: tuple[AlertTarget, ...] = ()
    wake_on_lan: WakeOnLan = WakeOnLan()
    check: SelfCheck = SelfCheck()
    metrics: Metrics = Metrics()
    media: MediaSettings = MediaSettings()
    volume: Decibels = Field(
        default=0.0, description="the room's master volume at start-up, dB (0 as mixed, "
        "-80 silent, at most +12); an operator's later setting is kept across restarts")
    player: PlayerPolicy = PlayerPolicy()
    realtime: Literal["auto", "on", "off"] = Field(
        default="auto", description="real-time scheduling for the cue dispatcher "
        "(docs/realtime.md): auto when the system allows it, on or refuse to start, off")
    timecode: Timecode = Timecode()
    standby: Standby | None = Field(default=None, description="a second controller that "
                                    "takes over (docs/standby.md)")
    mqtt: Mqtt | None = Field(default=None, description="the MQTT face (docs/mqtt.md)")
    triggers: tuple[Trigger, ...] = Field(
        default=(), description="buttons and sensors on the broker: topic -> one action")
    source: Path | None = Field(default=None, exclude=True, description="set by the loader")

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {value!r}: use an IANA name such as Europe/Paris"
            ) from None
        return value

    def device(self, device_id: str) -> Device:
        for device in self.devices:
            if device.id == device_id:
                return device
        raise KeyError(device_id)

    @property
    def screens(self) -> tuple[Device, ...]:
        """Screens in ring order (by index)."""
        return tuple(sorted((d for d in self.devices if d.kind == "screen"),
                            key=lambda d: d.index or 0))

    @property
    def audio(self) -> tuple[Device, ...]:
        return tuple(d for d in self.devices if d.kind == "audio")

    @property
    def players(self) -> tuple[Device, ...]:
        """Devices that play media (SPEC 6.1's player): the screens in ring order, then
        the audio devices."""
        return self.screens + self.audio

    @property
    def lighting(self) -> tuple[Device, ...]:
        return tuple(d for d in self.devices if d.kind == "lighting")

    def resolve_screens(
        self, selector: str | int | tuple[int | str, ...] | None
    ) -> tuple[str, ...]:
        """Device ids a cue's `screens:` names, in ring order; KeyError names what is unknown.

        `all`, a group name, a device id, or a list of indexes / ids / group names.
        """
        if selector is None:
            return ()
        items = (selector,) if isinstance(selector, str | int) else selector
        by_index = {d.index: d.id for d in self.screens}
        ids = {d.id for d in self.devices}
        chosen: set[str] = set()
        for item in items:
            if item == "all":
                chosen.update(by_index.values())
            elif isinstance(item, int):
                if item not in by_index:
                    raise KeyError(f"screen {item}")
                chosen.add(by_index[item])
            elif item in self.groups:
                chosen.update(self.groups[item])
            elif item in ids:
                chosen.add(item)
            else:
                raise KeyError(f"{item!r}")
        order = {d.id: n for n, d in enumerate(self.screens)}
        return tuple(sorted(chosen, key=lambda i: (order.get(i, len(order)), i)))
