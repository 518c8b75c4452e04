"""`showctl media status|sync|token`: the media on the players (SPEC 7.2), through the
running controller (it alone hears the players' media agents), over its OSC input."""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from showctl.cli.controller_link import ask
from showctl.files.loader import load_config
from showctl.model import Venue
from showctl.model.media import player_token, read_or_make_key

WAIT = 10.0
POLL = 0.5


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    parser = subparsers.add_parser(
        "media", parents=[common], help="media on the players: status, sync, tokens",
        description="status: per player the files its shows need, verified, missing, wrong "
        "(hash differs), bytes to go, free disk (exit 1 if a screen is not ready). sync: the "
        "players fetch what is missing or wrong, verified by content hash (exit 1 if one "
        "is still not ready). token ID: the media token of a player device (give it to "
        "`showctl player --media-token FILE`).")
    parser.add_argument("action", choices=("status", "sync", "token"))
    parser.add_argument("device", nargs="*", help="token: the player device(s); several "
                        "print 'ID TOKEN' lines, the token file of a PC with several")
    parser.add_argument("--player", metavar="ID", help="only this player device")
    parser.add_argument("--verify", action="store_true",
                        help="sync: re-hash every copy first (finds bit rot)")
    parser.add_argument("--timeout", type=float, default=3600.0,
                        help="sync: seconds to wait for the players (default 3600)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    venue = load_config(args.config).venue
    if args.action == "token":
        return _token(venue, args.device or ([args.player] if args.player else []))
    if args.action == "status":
        status = asyncio.run(_status(venue, args.player))
        print_status(status)
        return 0 if status["ready"] else 1
    return asyncio.run(_sync(venue, args.player, args.verify, args.timeout))


def _token(venue: Venue, devices: list[str]) -> int:
    from showctl.cli import UserError

    players = [d.id for d in venue.players]
    unknown = [d for d in devices if d not in players]
    if not devices or unknown:
        raise UserError(f"name player devices: {', '.join(players) or 'none in the venue'}")
    key = read_or_make_key(venue.media.key_file or venue.state_dir / "media.key")
    for device in devices:
        token = player_token(key, device)
        print(token if len(devices) == 1 else f"{device} {token}")
    return 0


async def _status(venue: Venue, player: str | None) -> dict[str, Any]:
    body = await ask(venue, "/showctl/media/status", *([player] if player else []),
                     timeout=WAIT)
    data: dict[str, Any] = body["data"]
    return data


def _mb(n: int | None) -> str:
    return "?" if n is None else f"{n / 1e6:.1f} MB"


def line(row: dict[str, Any]) -> str:
    parts = [f"{row['device']:<10}", "ready    " if row["ready"] else "NOT READY",
             f"needed {row['needed']}", f"verified {row['verified']}",
             f"missing {len(row['missing'])}", f"wrong {len(row['wrong'])}",
             f"to go {_mb(row['bytes_to_go'])}", f"free {_mb(row['free_bytes'])}",
             f"[{row['state']}]"]
    if row.get("moving"):
        parts.append(f"fetching {row['moving']} ({_mb(row['moved_bytes'])})")
    if row.get("message"):
        parts.append(f"- {row['message']}")
    return "  ".join(parts)


def print_status(status: dict[str, Any]) -> None:
    for row in status["players"]:
        print(line(row))
    print("ready" if status["ready"] else "NOT READY", flush=True)


async def _sync(venue: Venue, player: str | None, verify: bool, timeout: float) -> int:
    args: list[Any] = [player or "", 1 if verify else 0]
    body = await ask(venue, "/showctl/media/sync", *args, timeout=WAIT)
    asked: dict[str, int] = body["data"]["requested"]
    print(f"sync asked of {', '.join(asked)}", flush=True)
    deadline = time.monotonic() + timeout
    shown: dict[str, str] = {}
    rows: dict[str, dict[str, Any]] = {}
    while True:
        status = await _status(venue, player)
        rows = {r["device"]: r for r in status["players"] if r["device"] in asked}
        for device, row in rows.items():
            text = line(row)
            if shown.get(device) != text:
                shown[device] = text
                print(text, flush=True)
        pending = [d for d, r in rows.items()
                   if r["state"] != "no agent" and r["synced"] < asked[d]]
        if not pending or time.monotonic() > deadline:
            break
        await asyncio.sleep(POLL)
    absent = [d for d, r in rows.items() if r["state"] == "no agent"]
    for device in absent:
        print(f"{device:<10} no media agent answers (is `showctl player --media-token` "
              "running there?)")
    ok = all(r["ready"] for r in rows.values() if r["kind"] == "screen")
    print("ready" if ok else "NOT READY", flush=True)
    return 0 if ok else 1
