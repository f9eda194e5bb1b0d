"""`lebrq create-admin`: create an administrator, or promote an existing account.

The password never comes from the command line (argv shows in `ps` to every local
user and stays in shell history). It comes from, in this order: standard input with
`--password-stdin` (one line), the `ADMIN_PASSWORD` environment variable, or a prompt
on the terminal, asked twice.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys

from lebrq.bootstrap import build_services, load_settings, production_adapters
from lebrq.domain.model.errors import DomainError


class PasswordUnavailable(Exception):
    """No way to get a password: the message says what to do."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--email", required=True)
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password (at least 8 characters) from the first line of standard input",
    )
    parser.add_argument("--name", default="Administrator")
    # Refused with an explanation rather than "unrecognized argument".
    parser.add_argument("--password", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    if args.password is not None:
        print(
            "error: --password is not accepted (the command line shows in `ps` and shell history); "
            "use --password-stdin, ADMIN_PASSWORD or the prompt",
            file=sys.stderr,
        )
        return 2
    settings = load_settings()
    try:
        password = read_password(from_stdin=args.password_stdin, from_environment=settings.admin_password)
    except PasswordUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    async def create() -> str:
        async with production_adapters(settings) as adapters:
            user = await build_services(settings, adapters).auth.ensure_admin(
                email=args.email, password=password, name=args.name
            )
            return f"admin {user.email} (id {user.id})"

    try:
        print(asyncio.run(create()))
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return 0


def read_password(*, from_stdin: bool, from_environment: str) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.removesuffix("\n").removesuffix("\r")
        if not password:
            raise PasswordUnavailable("--password-stdin: standard input gave no password")
        return password
    if from_environment:
        return from_environment
    if not sys.stdin.isatty():
        raise PasswordUnavailable(
            "no password given: use --password-stdin, set ADMIN_PASSWORD, or run in a terminal to be asked"
        )
    try:
        password = getpass.getpass("Password for the admin: ")
        repeated = getpass.getpass("Repeat the password: ")
    except (EOFError, KeyboardInterrupt):
        raise PasswordUnavailable("no password entered") from None
    if password != repeated:
        raise PasswordUnavailable("the two passwords differ")
    return password
