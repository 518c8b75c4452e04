"""Timecode: the venue's outputs and input (chase), a show's start label (SPEC 7.4)."""

from __future__ import annotations

from ipaddress import IPv4Address
from typing import Annotated, Literal

from pydantic import AfterValidator, BeforeValidator, Field, field_validator, model_validator

from showctl import smpte
from showctl.model.types import Frozen, Whole

ARTNET_PORT = 6454
"""Art-Net's UDP port (Art-Net 4, "UDP port": 0x1936)."""

def _fps(value: object) -> object:
    if isinstance(value, str) and value.strip().lower() in ("29.97df", "29.97"):
        return 29.97
    return value


def _known_rate(value: float) -> float:
    smpte.rate(value)  # ValueError naming the rates
    return value


Fps = Annotated[float, BeforeValidator(_fps), AfterValidator(_known_rate)]
"""24, 25, 29.97 (drop-frame; also written "29.97df") or 30."""


class TimecodeOutput(Frozen):
    """One output of the show's timecode: `artnet` (ArtTimeCode to `host`, a node or the
    subnet's broadcast), `ltc` (audio on `channel` of the audio `device`'s player), `mtc`
    (MIDI port `port`)."""

    kind: Literal["artnet", "ltc", "mtc"]
    fps: Fps = 25
    host: IPv4Address | None = Field(
        default=None, description="artnet: the receiver, or the subnet's broadcast address")
    port: Whole | str | None = Field(
        default=None, description="artnet: UDP port (6454); mtc: the MIDI port's name")
    device: str | None = Field(default=None, description="ltc: the audio device")
    channel: Whole | None = Field(default=None, ge=1, le=64,
                                  description="ltc: the audio channel (1-based)")
    stream: Whole = Field(default=0, ge=0, le=255, description="artnet: StreamId (Art-Net 4)")

    @model_validator(mode="after")
    def _needs(self) -> TimecodeOutput:
        if self.kind == "artnet":
            if self.host is None:
                raise ValueError("an artnet output needs `host` (a node, or the subnet's "
                                 "broadcast address such as 10.0.0.255)")
            if self.port is not None and (not isinstance(self.port, int)
                                          or not 1 <= self.port <= 65535):
                raise ValueError("an artnet output's `port` is a UDP port (6454)")
        elif self.kind == "ltc":
            if self.device is None or self.channel is None:
                raise ValueError("an ltc output needs `device` (an audio device) and "
                                 "`channel` (its audio channel, 1-based)")
        elif not isinstance(self.port, str) or not self.port:
            raise ValueError("an mtc output needs `port`: the MIDI port's name")
        return self

    @property
    def rate(self) -> smpte.Rate:
        return smpte.rate(self.fps)

    @property
    def udp_port(self) -> int:
        return self.port if isinstance(self.port, int) else ARTNET_PORT


class TimecodeInput(Frozen):
    """The show chases an external master's timecode (docs/timecode.md): Art-Net
    timecode, or LTC as raw PCM audio (s16le) in UDP datagrams."""

    kind: Literal["artnet", "ltc", "mtc"]
    fps: Fps = 25
    listen: IPv4Address = Field(default=IPv4Address("127.0.0.1"),
                                description="artnet, ltc: the address to listen on")
    port: Whole = Field(default=ARTNET_PORT, ge=0, le=65535,
                        description="artnet: UDP port (6454); ltc: the PCM stream's UDP port")
    sample_rate: Whole = Field(default=48000, ge=8000, le=192000,
                               description="ltc: the PCM stream's sample rate (Hz)")
    channels: Whole = Field(default=1, ge=1, le=64,
                            description="ltc: the PCM stream's interleaved channels")
    channel: Whole = Field(default=1, ge=1, le=64,
                           description="ltc: the channel that carries the LTC (1-based)")
    preroll_frames: Whole = Field(default=5, ge=1, le=250,
                                  description="consecutive frames before the show locks")
    freewheel_frames: Whole = Field(default=10, ge=0, le=3000,
                                    description="frames the show runs on without code")
    on_loss: Literal["hold", "stop"] = "hold"

    @model_validator(mode="after")
    def _ltc(self) -> TimecodeInput:
        if self.kind == "ltc":
            if "port" not in self.model_fields_set:
                raise ValueError("an ltc input needs `port`: the UDP port its PCM stream "
                                 "(s16le) arrives on (docs/timecode.md)")
            if self.channel > self.channels:
                raise ValueError(f"channel {self.channel} is not one of the stream's "
                                 f"{self.channels} channel(s)")
        return self

    @property
    def rate(self) -> smpte.Rate:
        return smpte.rate(self.fps)


class Timecode(Frozen):
    """The venue's `timecode:`."""

    outputs: tuple[TimecodeOutput, ...] = ()
    input: TimecodeInput | None = None


class ShowTimecode(Frozen):
    """A show's `timecode:`: the label at show time 0."""

    start: str = Field(default="00:00:00:00", description="HH:MM:SS:FF at show time 0")

    @field_validator("start")
    @classmethod
    def _label(cls, value: str) -> str:
        smpte.parse_label(value)
        return value

    @property
    def label(self) -> smpte.Label:
        return smpte.parse_label(self.start)
