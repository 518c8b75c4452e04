"""Two controllers of one room on loopback: the same files, their own state folders, one
FakeClock (the two machines' clocks, as chrony keeps them), real UDP for the replication
link and for every device (tests/core/room.py's receivers)."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from showctl.core.controller import Controller
from showctl.standby import StandbyFace
from tests.core.room import Room, open_room
from tests.support import free_port

PEERS = ("127.0.0.2", "127.0.0.3")  # two loopback addresses: one port, two "machines"

SHOW = {
    "id": "ring",
    "title": "Ring",
    "preroll": 0.5,
    "cues": [
        {"id": "1", "at": 0, "name": "Sky", "screens": "all", "play": {"media": "a_{screen}.mp4"}},
        {"id": "2", "at": 5, "name": "Warm", "lights": {"cue": "warm", "fade": 1}},
        {"id": "3", "at": 8, "name": "Front", "screens": [1, 2],
         "play": {"media": "b_{screen}.mp4", "from": 5}},
        {"id": "4", "at": 12, "name": "Hold", "hold": True},
        {"id": "5", "at": 20, "name": "End", "screens": "all", "black": {"fade": 2}},
    ],
}


@dataclass
class Pair:
    room: Room  # the devices and the clock; room.controller is `a`
    a: Controller
    b: Controller
    fa: StandbyFace
    fb: StandbyFace

    async def heard(self, face: StandbyFace, timeout: float = 5.0) -> None:
        """`face` has admitted a message its peer sends now (real UDP: on a FakeClock the
        peer's own ticks wait for the test to move time)."""
        other = self.fb if face is self.fa else self.fa
        face.heard.clear()
        other._send("state")
        await asyncio.wait_for(face.heard.wait(), timeout)

    async def close(self) -> None:
        for face in (self.fa, self.fb):
            await face.stop()
        await self.b.close()
        await self.room.close()


def standby_section(port: int) -> dict[str, Any]:
    return {"standby": {"peers": list(PEERS), "address": "198.18.0.10/24", "port": port,
                        "key_file": "standby.key"}}


async def open_pair(root: Path, shows: list[dict] | None = None,
                    key_b: bytes | None = None) -> Pair:
    room = await open_room(root, shows=shows or [SHOW],
                           venue_extra=standby_section(free_port()))
    a = room.controller
    config_dir = Path(a.config.venue.source).parent  # type: ignore[arg-type]
    key = secrets.token_hex(32).encode()
    (config_dir / "standby.key").write_bytes(key)
    venue_b = a.config.venue.model_copy(update={"state_dir": root / "var-b"})
    b = Controller(replace(a.config, venue=venue_b), room.clock)
    fa = StandbyFace(a, room.clock, active_faces=list, me=PEERS[0])
    if key_b is not None:
        (config_dir / "standby.key").write_bytes(key_b)
    fb = StandbyFace(b, room.clock, active_faces=list, me=PEERS[1])
    b.bus.subscribe(lambda e: room.events.append((room.clock.monotonic(), "b." + e.kind,
                                                  e.data)))
    await fa.start()
    await fb.start()
    return Pair(room, a, b, fa, fb)
