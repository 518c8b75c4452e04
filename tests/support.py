"""Shared by every area's tests: a throwaway venue on free loopback ports."""

from __future__ import annotations

import asyncio
import random
import socket
from collections.abc import Callable
from pathlib import Path

import yaml


def _outside_ephemeral_range() -> range:
    """Ports the kernel never hands out for `bind(0)` or outgoing sockets."""
    try:
        text = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text()
        low, high = (int(n) for n in text.split())
    except (OSError, ValueError):
        low, high = 32768, 60999
    return range(10000, low) if low > 12000 else range(high + 1, 65536)


_PORTS = _outside_ephemeral_range()
_handed_out: set[int] = set()


def free_port(kind: int = socket.SOCK_DGRAM) -> int:
    """A port free for both UDP and TCP on 127.0.0.1 (the OSC input uses both).

    A port found by binding to 0 is released before the code under test binds it, and
    any socket bound to 0 meanwhile may be given it: a rare, flaky "address in use".
    Ports outside the ephemeral range, never handed out twice in a process and drawn at
    random (so that separate processes seldom meet), cannot be taken that way.
    """
    del kind  # kept for callers that say which one they need: both are checked
    for _ in range(500):
        port = random.choice(_PORTS)
        if port in _handed_out or not _bindable(port):
            continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free port")


def _bindable(port: int) -> bool:
    for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
        with socket.socket(socket.AF_INET, kind) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


SMALL_SHOW = {
    "id": "small",
    "title": "Small test show",
    "preroll": 0.5,
    "cues": [
        {"id": "1", "at": 0, "name": "Lights out", "lights": {"cue": "house-out", "fade": 1}},
        {
            "id": "2",
            "at": 1,
            "name": "Panorama",
            "screens": "all",
            "play": {"media": "pano_{screen}.mp4"},
        },
        {"id": "3", "at": 2, "name": "Front", "screens": "front", "play": {"media": "f.mp4"}},
        {
            "id": "4",
            "at": 3,
            "name": "End",
            "screens": "all",
            "black": {"fade": 0.5},
            "lights": {"cue": "house-up", "fade": 0.5},
        },
    ],
}


def write_config(
    root: Path,
    *,
    screens: int = 9,
    shows: list[dict] | None = None,
    schedule: dict | None = None,
    venue_extra: dict | None = None,
) -> Path:
    """Writes config/venue.yaml, config/schedule.yaml and shows/*.yaml under `root`.

    Every device, the OSC input and the web server get their own free port.
    Returns the venue file's path.
    """
    (root / "config").mkdir(parents=True, exist_ok=True)
    (root / "shows").mkdir(exist_ok=True)
    devices = [
        {
            "id": f"screen{i}",
            "kind": "screen",
            "index": i,
            "angle": (i - 1) * 360 // screens,
            "host": "127.0.0.1",
            "port": free_port(),
            "profile": "showctl",
        }
        for i in range(1, screens + 1)
    ]
    devices.append(
        {"id": "lights", "kind": "lighting", "host": "127.0.0.1", "port": free_port()}
    )
    venue = {
        "venue": "test-room",
        "timezone": "Europe/Paris",
        "state_dir": str(root / "var"),
        "osc": {"listen": f"127.0.0.1:{free_port()}", "allow": ["127.0.0.0/8"]},
        "web": {"listen": f"127.0.0.1:{free_port(socket.SOCK_STREAM)}"},
        "devices": devices,
        "groups": {"front": [d["id"] for d in devices[:screens][:1] + devices[:screens][-1:]]},
    }
    merge_into(venue, venue_extra or {})
    for show in shows if shows is not None else [SMALL_SHOW]:
        (root / "shows" / f"{show['id']}.yaml").write_text(yaml.safe_dump(show, sort_keys=False))
    (root / "config" / "schedule.yaml").write_text(
        yaml.safe_dump(schedule if schedule is not None else {"shows": []}, sort_keys=False)
    )
    path = root / "config" / "venue.yaml"
    path.write_text(yaml.safe_dump(venue, sort_keys=False))
    return path


def merge_into(base: dict, extra: dict) -> dict:
    """`extra` laid over `base` key by key, into sections: `osc={"passcode": ...}` keeps
    the section's free `listen` port instead of falling back to the production default
    (127.0.0.1:53100, which a running controller may hold). Lists and scalars replace."""
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merge_into(base[key], value)
        else:
            base[key] = value
    return base


async def file_written(path: Path, check: Callable[[str], bool], timeout: float = 15.0) -> str:
    """`path`'s text once `check(text)` holds. A controller in another process writes its
    state files from a writer thread, durably (fsync), in its own time after the command
    that changed them; from outside there is no event to wait on but the file itself."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    text = None
    while loop.time() < deadline:
        try:
            text = path.read_text()
        except FileNotFoundError:
            text = None
        if text is not None and check(text):
            return text
        await asyncio.sleep(0.02)
    raise AssertionError(f"{path} not written as expected within {timeout} s: {text!r}")
