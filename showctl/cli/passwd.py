"""`showctl passwd`: prints the hash line for a dashboard user's password (venue.yaml)."""

from __future__ import annotations

import argparse
import getpass
import sys

from showctl.cli import UserError
from showctl.web.auth import hash_password

MIN_LENGTH = 8


def register(subparsers: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "passwd", parents=[common],
        help="print a password hash for venue.yaml's web.users",
        description="Reads a password (twice at a terminal, else one line from stdin) and "
        "prints the `scrypt$...` line to paste as a user's password_hash.",
    )
    parser.set_defaults(handler=run)


def read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise UserError("the two passwords differ: nothing printed")
    return first


def run(args: argparse.Namespace) -> int:
    password = read_password()
    if len(password) < MIN_LENGTH:
        raise UserError(f"the password needs at least {MIN_LENGTH} characters")
    print(hash_password(password))
    return 0
