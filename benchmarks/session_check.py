"""Benchmark: what checking a session on every request would cost, against the
per-worker cache that SessionService.state keeps (SESSION_CHECK_SECONDS).

    .venv/bin/python benchmarks/session_check.py [--lookups 3000]

For SQLite (a temporary file) and MariaDB (a temporary database, when reachable): the
mean and p95 time of one session lookup read afresh (the query joining sessions and
users, on the production engine with its 2+2 pool) and of one served from the cache,
measured in-process, one at a time. Prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lebrq.adapters.sql.engine import create_engine
from lebrq.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from lebrq.adapters.system.clock import SystemClock
from lebrq.domain.model.sessions import SignInMethod
from lebrq.domain.model.users import NewUser, Role
from lebrq.domain.services.sessions import SessionService
from tests.support.databases import create_mariadb_database, migrated_sqlite_template, sqlite_url


async def measure(url: str, lookups: int) -> tuple[list[float], list[float]]:
    engine = create_engine(url)
    uow = SqlUnitOfWorkFactory(engine)
    sessions = SessionService(uow, SystemClock())
    try:
        async with uow() as work:
            user = await work.users.add(
                NewUser(
                    email="bench@example.com",
                    name="Bench",
                    phone=None,
                    role=Role.USER,
                    created_at=datetime.now(UTC),
                    password_hash=None,
                )
            )
            grant = await sessions.start(work, user, SignInMethod.OTP)
            await work.commit()
        fresh, cached = [], []
        for _ in range(lookups):
            started = time.perf_counter()
            await sessions.state(grant.session_id, fresh=True)
            fresh.append(time.perf_counter() - started)
        for _ in range(lookups):
            started = time.perf_counter()
            await sessions.state(grant.session_id)
            cached.append(time.perf_counter() - started)
        return fresh, cached
    finally:
        await engine.dispose()


def row(name: str, fresh: list[float], cached: list[float]) -> str:
    def us(values: list[float], q: float) -> str:
        return (
            f"{statistics.quantiles(values, n=100)[q - 1] * 1e6:8.1f}" if q else f"{statistics.mean(values) * 1e6:8.1f}"
        )

    return f"| {name:8} | {us(fresh, 0)} | {us(fresh, 95)} | {us(cached, 0)} | {us(cached, 95)} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lookups", type=int, default=3000)
    args = parser.parse_args()
    print(f"{platform.node()}, {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print("| database | fresh mean µs | fresh p95 µs | cached mean µs | cached p95 µs |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        template = migrated_sqlite_template(Path(folder))
        print(row("SQLite", *asyncio.run(measure(sqlite_url(template), args.lookups))))
    databases = create_mariadb_database()
    try:
        url = next(databases)
    except BaseException as exc:
        print(f"(MariaDB not measured: {exc})")
        return
    try:
        print(row("MariaDB", *asyncio.run(measure(url, args.lookups))))
    finally:
        databases.close()


if __name__ == "__main__":
    main()
