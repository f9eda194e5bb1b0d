from __future__ import annotations

import argparse
import asyncio
import sys

from lebrq.bootstrap import build_services, load_settings, production_adapters
from lebrq.domain.errors import DomainError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--email", required=True)
    parser.add_argument("--password", required=True, help="at least 8 characters")
    parser.add_argument("--name", default="Administrator")


def run(args: argparse.Namespace) -> int:
    settings = load_settings()

    async def create() -> str:
        async with production_adapters(settings) as adapters:
            user = await build_services(settings, adapters).auth.ensure_admin(
                email=args.email, password=args.password, name=args.name
            )
            return f"admin {user.email} (id {user.id})"

    try:
        print(asyncio.run(create()))
    except DomainError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return 2
    return 0
