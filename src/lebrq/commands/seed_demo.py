from __future__ import annotations

import argparse
import asyncio
import sys
import time

from lebrq.adapters.security.argon2_hasher import Argon2PasswordHasher
from lebrq.adapters.sql.demo_data import seed_demo
from lebrq.adapters.sql.engine import create_engine
from lebrq.bootstrap import load_settings

DEMO_PASSWORD = "demo-password"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bookings", type=int, default=1000, help="how many bookings to add (default 1000)")
    parser.add_argument(
        "--users", type=int, default=0, help="how many users to add (default: bookings / 50, at least 10)"
    )
    parser.add_argument("--venues", type=int, default=10, help="how many venues to add (default 10)")
    parser.add_argument("--seed", type=int, default=1, help="random seed, for repeatable data")


def run(args: argparse.Namespace) -> int:
    if args.bookings < 0 or args.users < 0 or args.venues < 1:
        print("error: --bookings and --users must be >= 0 and --venues >= 1", file=sys.stderr)
        return 2
    settings = load_settings()
    users = args.users or max(10, args.bookings // 50)

    async def seed() -> str:
        engine = create_engine(settings.database_url, pool_size=1, max_overflow=0)
        started = time.perf_counter()

        def progress(done: int) -> None:
            if done % 50_000 < 2_000 or done == args.bookings:
                print(f"  {done:,} bookings ({time.perf_counter() - started:.1f} s)", file=sys.stderr)

        try:
            password_hash = await Argon2PasswordHasher(
                memory_kib=settings.argon2_memory_kib, time_cost=settings.argon2_time_cost
            ).hash(DEMO_PASSWORD)
            report = await seed_demo(
                engine,
                bookings_count=args.bookings,
                users_count=users,
                venues_count=args.venues,
                password_hash=password_hash,
                seed=args.seed,
                progress=progress,
            )
        finally:
            await engine.dispose()
        return (
            f"added {report.venues} venues, {report.items} items, {report.users} users, {report.bookings:,} bookings "
            f"with {report.booking_items:,} item lines in {time.perf_counter() - started:.1f} s\n"
            f"every demo user's password is {DEMO_PASSWORD!r}; first user: {report.first_user_email}"
        )

    print(asyncio.run(seed()))
    return 0
