"""`showctl standby status|promote|demote|keepalived`: the two controllers of a room
(docs/standby.md). The first three ask the controller running on this machine, over its
local control socket (`<state_dir>/standby.sock`)."""

from __future__ import annotations

import argparse
import json
import socket
import time
from pathlib import Path
from typing import Any

from showctl.errors import UserError
from showctl.files.loader import load_config
from showctl.standby.control import SOCKET, ask
from showctl.standby.face import whoami
from showctl.standby.keepalived import Options, render

SWITCH_WITHIN = 2.0  # seconds a promote waits to see this controller active


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    parser = subparsers.add_parser(
        "standby", parents=[common], help="the two controllers: status, planned switch",
        description="Two controllers, one room (docs/standby.md). status: this controller's "
        "role, its peer, replication, the last takeover. promote: this (standby) controller "
        "takes over from the active one, at once and without a dark frame. demote: this "
        "(active) controller hands over to the standby one. keepalived: prints keepalived's "
        "configuration for this machine.")
    parser.add_argument("action", choices=("status", "promote", "demote", "keepalived"))
    parser.add_argument("--json", action="store_true", help="status as JSON")
    parser.add_argument("--me", help="which peer this machine is (default: found)")
    parser.add_argument("--priority", type=int, default=None,
                        help="keepalived priority (default: 100 on the first peer, 90)")
    parser.add_argument("--advert-int", type=float, default=0.3,
                        help="VRRP advert interval in seconds (VRRPv3; default 0.3)")
    parser.add_argument("--router-id", type=int, default=51, help="VRRP router id (1-255)")
    parser.add_argument("--scripts", default="/usr/lib/showctl",
                        help="where showctl-standby-notify and -check are installed")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    venue = load_config(args.config).venue
    if venue.standby is None:
        raise UserError(f"{venue.source}: the venue has no standby: section (docs/standby.md)")
    if args.action == "keepalived":
        me, peer = (args.me, next(p for p in venue.standby.peers if p != args.me)) \
            if args.me else whoami(venue.standby)
        first = venue.standby.peers.index(me) == 0
        print(render(venue.standby, Options(
            me, peer, _address(me), _address(peer), Path(venue.state_dir),
            Path(args.scripts), args.priority or (100 if first else 90), args.advert_int,
            args.router_id)), end="")
        return 0
    path = Path(venue.state_dir) / SOCKET
    if args.action == "status":
        data = _ask(path, "status")
        print(json.dumps(data, indent=2) if args.json else _describe(data))
        return 0
    if args.action == "demote":
        data = _ask(path, "demote")
        print(f"{data['role']}: handed over (epoch {data['epoch']})" if data.get("changed")
              else "already standby")
        return 0
    began = time.monotonic()
    data = _ask(path, "promote")
    while data.get("role") != "active" and time.monotonic() - began < SWITCH_WITHIN:
        data = _ask(path, "status")
    if data.get("role") != "active":
        raise UserError("the active controller did not hand over within "
                        f"{SWITCH_WITHIN:g} s (see its log)")
    print(f"active (epoch {data['epoch']}) after {(time.monotonic() - began) * 1e3:.0f} ms")
    return 0


def _ask(path: Path, request: str) -> dict[str, Any]:
    try:
        reply = json.loads(ask(path, request))
    except (OSError, TimeoutError) as exc:
        raise UserError(f"no controller answers on {path}: {exc} (is `showctl run` running "
                        "here, and may this user write in its state_dir?)") from None
    if reply.get("status") != "ok":
        raise UserError(str(reply.get("error")))
    data: dict[str, Any] = reply["data"]
    return data


def _address(name: str) -> str:
    try:
        return str(socket.getaddrinfo(name, 0, socket.AF_INET)[0][4][0])
    except (OSError, IndexError):
        raise UserError(f"standby peer {name!r} has no address") from None


def _describe(data: dict[str, Any]) -> str:
    lines = [f"{data['me']}: {data['role'].upper()} (epoch {data['epoch']}, keepalived "
             f"{data.get('keepalived') or 'silent'}), peer {data['peer']}: "
             f"{data.get('peer_role') or 'not heard'}"
             + (f" {data['peer_seen_ago']:.1f} s ago" if data.get('peer_seen_ago') is not None
                else ""),
             f"replication: {'following' if data['following'] else 'NOT FOLLOWING'}"]
    followed = data.get("followed")
    if followed:
        lines.append(f"the active one plays: {followed.get('show') or 'nothing'} "
                     f"({followed.get('state')})")
    takeover = data.get("last_takeover")
    if takeover:
        at = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(takeover["at"]))
        lines.append(f"last takeover: {at} by {takeover['by']} ({takeover['reason']}), "
                     f"epoch {takeover['epoch']}")
    lines += [f"finding: {f}" for f in data.get("findings") or ()]
    return "\n".join(lines)
