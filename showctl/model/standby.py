"""The venue's `standby:` section (SPEC 7.5): two controllers for one room.

keepalived (VRRP) holds `address` on whichever controller is active; the two controllers
keep each other informed over their own link on `port`, every message signed with the
key in `key_file` (docs/standby.md)."""

from __future__ import annotations

import re
from ipaddress import IPv4Interface
from pathlib import Path

from pydantic import Field, field_validator

from showctl.model.types import Frozen, Whole

PEER = r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$"


class Standby(Frozen):
    peers: tuple[str, str] = Field(
        description="the two controllers: host names (or addresses) on the venue's "
        "network; each finds itself among them (docs/standby.md)")
    address: IPv4Interface = Field(
        description="the virtual address keepalived moves to the active controller, with "
        "its prefix (10.0.0.10/24): what devices and integrators use")
    port: Whole = Field(default=53190, ge=1, le=65535,
                        description="UDP port of the replication link, on both controllers")
    key_file: Path = Field(description="the shared key (32 random bytes or more), relative "
                           "to the venue file; readable by the controller only")
    interface: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:-]{1,15}$",
                                  description="the network interface keepalived uses "
                                  "(the keepalived template's; default eth0)")

    @field_validator("peers")
    @classmethod
    def _two_peers(cls, value: tuple[str, str]) -> tuple[str, str]:
        for peer in value:
            if not re.match(PEER, peer):
                raise ValueError(f"peer {peer!r} is not a host name or address")
        if value[0] == value[1]:
            raise ValueError(f"the two peers must differ (both are {value[0]!r})")
        return value
