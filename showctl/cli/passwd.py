"""`showctl passwd`: prints the hash line for a dashboard user's password (venue.yaml)."""

from __future__ import annotations

import argparse
import getpass
import sys

from showctl.cli import UserError
from showctl.web.auth import hash_password

MIN_LENGTH = 8


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    parser = subparsers.add_parser(
        "passwd", parents=[common],
        help="print a password hash for venue.yaml's web.users",
        description="Reads a password (twice at a terminal, else one line from stdin) and "
        "prints the `scrypt$...` line to paste as a user's password_hash.",
    )
    parser.set_defaults(handler=run)


def read_password() -> str:
    if not sys.stdin.isatty():
        return _acceptable(sys.stdin.readline().rstrip("\r\n"))
    try:
        first = _acceptable(getpass.getpass("New password: "))
        again = getpass.getpass("Again: ")
    except (EOFError, KeyboardInterrupt) as exc:  # Ctrl-D or Ctrl-C at a prompt
        print(file=sys.stderr)  # off the prompt's line
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise UserError("no password given: nothing printed") from None
    if again != first:
        raise UserError("the two passwords differ: nothing printed")
    return first


def _acceptable(password: str) -> str:
    """Checked before the second prompt: no point typing a refused password twice."""
    if not password:
        raise UserError("no password given: nothing printed")
    if not password.strip():
        raise UserError("a password of spaces only is refused")
    if len(password) < MIN_LENGTH:
        raise UserError(f"the password needs at least {MIN_LENGTH} characters")
    return password


def run(args: argparse.Namespace) -> int:
    print(hash_password(read_password()))
    return 0
