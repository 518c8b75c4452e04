"""`sacn`: DMX straight from the controller as E1.31 (streaming ACN) data packets.

Source: ANSI E1.31-2016 ("Lightweight streaming protocol for transport of DMX512 using
ACN"), section 4 (the packet: root layer with the ACN packet identifier and the
source's CID, framing layer with the source name, priority 0-200 (default 100),
sequence number and universe 1-63999, DMP layer with the START code and 512 slots) and
section 6.6 (a source that stops changing data sends three more packets, then at least
one every 800-1000 ms: receivers declare a source lost after 2.5 s without packets).
The target is the device's `host`: a receiver (unicast), or the universe's multicast
group 239.255.<universe high>.<universe low>. Port 5568.
"""

from __future__ import annotations

import socket
import struct
import uuid
from typing import ClassVar

from showctl.codec.osc import Arg
from showctl.model import Device
from showctl.outputs.actions import Action, Dmx
from showctl.outputs.profiles.artnet import KEEPALIVE, nonzero
from showctl.outputs.profiles.base import Bundles, Message, Profile

PORT = 5568
DEFAULT_PRIORITY = 100
ACN_ID = b"ASC-E1.17\x00\x00\x00"
VECTOR_ROOT_DATA = 0x00000004
VECTOR_FRAMING_DATA = 0x00000002
VECTOR_DMP_SET = 0x02
_CID_NAMESPACE = uuid.UUID("0b8a5c4e-1b5e-4d0e-9a57-73686f77c24f")


def multicast_group(universe: int) -> str:
    """E1.31 section 9.3.1: the universe's multicast address."""
    return f"239.255.{universe >> 8}.{universe & 0xFF}"


def packet(cid: bytes, name: str, universe: int, priority: int, sequence: int,
           data: bytes, *, terminated: bool = False) -> bytes:
    """One E1.31 data packet (638 bytes for 512 slots)."""
    slots = b"\x00" + data  # START code 0: dimmer data
    dmp = struct.pack(">HBBHHH", 0x7000 | (10 + len(slots)), VECTOR_DMP_SET, 0xA1, 0, 1,
                      len(slots)) + slots
    source = name.encode()[:63].ljust(64, b"\x00")
    framing = struct.pack(">HI", 0x7000 | (77 + len(dmp)), VECTOR_FRAMING_DATA) + source
    framing += struct.pack(">BHBBH", priority, 0, sequence & 0xFF,
                           0x40 if terminated else 0, universe) + dmp
    root = struct.pack(">HH12s", 0x0010, 0, ACN_ID)
    root += struct.pack(">HI", 0x7000 | (22 + len(framing)), VECTOR_ROOT_DATA) + cid
    return root + framing


class SacnProfile(Profile):
    name = "sacn"
    source = "ANSI E1.31-2016 (tsp.esta.org), sections 4 and 6.6"
    kinds = frozenset({"dmx"})
    bundles = Bundles.IGNORED  # not OSC: each frame leaves at its instant
    options = frozenset({"priority", "rate"})
    keepalive: ClassVar[float] = KEEPALIVE

    def __init__(self, device: Device) -> None:
        super().__init__(device)
        self._sequence = 0
        # one CID per controller host and device: a restarted controller is the same
        # source to the receivers (E1.31 5.6: a CID is kept for the component's life)
        self.cid = uuid.uuid5(_CID_NAMESPACE, f"{socket.gethostname()}/{device.id}").bytes
        self.source_name = f"showctl {device.id}"

    @property
    def priority(self) -> int:
        p = self.device.priority
        return DEFAULT_PRIORITY if p is None else p

    def translate(self, action: Action) -> list[Message]:
        assert isinstance(action, Dmx)  # the only kind it translates
        return [("e131", (bytes(action.frame),))]

    def encode(self, address: str, args: tuple[Arg, ...]) -> bytes:
        frame = args[0]
        assert isinstance(frame, bytes)
        self._sequence = (self._sequence + 1) & 0xFF
        return packet(self.cid, self.source_name, self.device.universe, self.priority,
                      self._sequence, frame)

    def show(self, address: str, args: tuple[Arg, ...]) -> str:
        frame = args[0]
        assert isinstance(frame, bytes)
        return (f"E1.31 universe {self.device.universe} priority {self.priority}: "
                f"{nonzero(frame)}")
