"""`showctl player`: the player for some screens / audio devices of the venue (SPEC 6.1),
until SIGTERM or Ctrl-C (docs/player.md)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from showctl.cli import UserError
from showctl.files.loader import load_config
from showctl.lograte import RateLimit
from showctl.logzone import stamp_in

if TYPE_CHECKING:
    from showctl.player.app import Player

    # what the media agent is started with: start_agent's arguments
    Agent = tuple[str, list[str], Path, Path, int, str]


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    parser = subparsers.add_parser(
        "player", parents=[common], help="play screens / audio devices with mpv",
        description="Listen where each named device of the venue listens, play its media "
        "with one mpv per device (restarted if it dies), act on every command at its "
        "bundle's timetag, follow the controller's clock, and report status to the "
        "controller's OSC input every second.")
    parser.add_argument("--device", action="append", required=True, metavar="ID",
                        help="a screen or audio device of the venue (repeat for several)")
    parser.add_argument("--media", type=Path, default=None, metavar="DIR",
                        help="where media names are looked up (default: ../media beside "
                        "the venue file's folder)")
    parser.add_argument("--ipc-dir", type=Path, default=None, metavar="DIR",
                        help="mpv's JSON IPC socket for device ID is DIR/ID.sock (default: "
                        "$RUNTIME_DIRECTORY, else $XDG_RUNTIME_DIR/showctl-player, else "
                        "/tmp/showctl-player-UID)")
    parser.add_argument("--mpv-arg", action="append", default=[], metavar="ARG",
                        help="passed to every mpv, e.g. --mpv-arg=--fs --mpv-arg=--screen=1 "
                        "(write it with '=')")
    parser.add_argument("--controller", default=None, metavar="HOST[:PORT]",
                        help="the controller's address or host name, where statuses go "
                        "(default: the venue's osc.listen, which on a screen PC is only "
                        "right when it is the controller's LAN address); PORT defaults to "
                        "osc.listen's")
    parser.add_argument("--media-token", type=Path, default=None, metavar="FILE",
                        help="run the media agent (docs/media.md): FILE holds this PC's "
                        "token (`showctl media token ID`), or 'ID TOKEN' lines")
    parser.add_argument("--media-from", default=None, metavar="URL",
                        help="the controller's dashboard URL the agent pulls from (default: "
                        "http://<--controller's host, else web.listen's>:<web.listen's port>)")
    parser.set_defaults(handler=run)


def controller_address(value: str | None, listen: tuple[str, int]) -> tuple[str, int] | None:
    """`--controller HOST[:PORT]` (IPv6 in brackets: [fd00::10]:53100), or None."""
    if value is None:
        return None
    host, port = value, str(listen[1])
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port = rest.removeprefix(":") or port
    elif value.count(":") == 1:
        host, port = value.split(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise UserError(f"--controller {value}: give HOST or HOST:PORT")
    return host, int(port)


def default_ipc_dir() -> Path:
    if os.environ.get("RUNTIME_DIRECTORY"):  # systemd's RuntimeDirectory=
        return Path(os.environ["RUNTIME_DIRECTORY"].split(":")[0])
    if os.environ.get("XDG_RUNTIME_DIR"):
        return Path(os.environ["XDG_RUNTIME_DIR"]) / "showctl-player"
    return Path(f"/tmp/showctl-player-{os.getuid()}")


def private_dir(path: Path) -> Path:
    """The IPC directory, ours alone: anyone who can reach an mpv socket can run
    commands in it (mpv's `run`), so it is 0700 and must belong to us."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = path.lstat()
    if path.is_symlink() or info.st_uid != os.getuid():
        raise UserError(f"--ipc-dir {path} is not a directory of this user: refusing it")
    if info.st_mode & 0o077:
        path.chmod(0o700)
    return path


def run(args: argparse.Namespace) -> int:
    from showctl.player.app import Player, PlayerError

    for handler in logging.getLogger().handlers:  # a flood of bad packets, a few lines
        handler.filters.insert(0, RateLimit())  # (before the escaping: it keys on templates)
    config = load_config(args.config)
    stamp_in(config.venue.timezone)  # like the controller's lines: the venue's clock, named
    assert config.venue.source is not None
    media = args.media or (config.venue.source.parent.parent / "media")
    if not media.is_dir():
        raise UserError(f"--media {media} is not a directory")
    try:
        player = Player(config, args.device, media=media.resolve(),
                        ipc_dir=private_dir(args.ipc_dir or default_ipc_dir()),
                        mpv_args=args.mpv_arg,
                        controller=controller_address(args.controller, config.venue.osc.listen))
    except PlayerError as exc:
        raise UserError(str(exc)) from None
    agent = None
    if args.media_token is not None:
        host, port = config.venue.web.listen
        if args.controller is not None:  # the controller's address, its dashboard's port
            host = player.controller[0]
        url = args.media_from or f"http://{host if ':' not in host else f'[{host}]'}:{port}"
        settings = config.venue.media
        agent = (url, list(args.device), args.media_token.resolve(), media.resolve(),
                 settings.nice, settings.ionice)
    return asyncio.run(_serve(player, agent))


async def _serve(player: Player, agent: Agent | None = None) -> int:
    from showctl.player.app import PlayerError
    from showctl.player.mediasync import start_agent, stop_agent

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await player.start()
    except PlayerError as exc:
        raise UserError(str(exc)) from None
    print(f"playing {', '.join(player.devices)} of {player.venue.venue}; media from "
          f"{player.media}; status to {player.controller[0]}:{player.controller[1]}",
          file=sys.stderr, flush=True)
    child = None
    if agent is not None:
        url, devices, token, media, nice, ionice = agent
        child = await start_agent(url, devices, token, media, nice=nice, ionice=ionice)
    try:
        await stop.wait()
    finally:
        if child is not None:
            await stop_agent(child)
        await player.stop()
        for sig in (signal.SIGINT, signal.SIGTERM):  # stopped: a late signal changes nothing
            loop.remove_signal_handler(sig)
            signal.signal(sig, signal.SIG_IGN)
    return 0
