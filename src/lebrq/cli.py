"""The `lebrq` command: dispatches to one module per sub-command under lebrq.commands."""

from __future__ import annotations

import argparse
import importlib
import sys

from lebrq.settings import SettingsError

# name -> (module under lebrq.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("serve", "run the service under Granian with the settings in granian.toml"),
    "db": ("db", "database migrations: upgrade, current"),
    "create-admin": (
        "create_admin",
        "create an administrator, or promote an existing account (password from a prompt, stdin or ADMIN_PASSWORD)",
    ),
    "verify": ("verify", "check a running deployment end to end (health, TLS, limits, gzip, uploads)"),
    "sweep-media": ("sweep_media", "delete stored files no media record refers to (crash leftovers)"),
    "openapi": ("openapi", "print the OpenAPI document (./dev lebrq openapi > docs/openapi.json)"),
    "seed-demo": ("seed_demo", "fill the database with demo venues, items, users and N bookings (--bookings N)"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lebrq", description="LeBRQ venue-booking backend")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(f"lebrq.commands.{module_name}")
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(command_parser)
        command_parser.set_defaults(run=module.run)
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except SettingsError as exc:
        # A configuration mistake is the operator's to fix: say which, no traceback.
        print(f"lebrq: configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
