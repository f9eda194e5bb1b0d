"""Benchmark: the cost of turning a page of booking rows into Booking Structs.

    ./dev bench row_mapping [--rows 50] [--rounds 2000]

Stores `--rows` bookings in a SQLite database (in a temporary folder), selects them once
with the repository's own column list, then maps the same Row objects `--rounds` times
with the repository's own row mapping (`adapters/sql/bookings.py: _booking`). Prints the
microseconds per row and per page: the part of a list request that the mapping costs,
without the network, the database or the server. Run it on two checkouts
(PYTHONPATH=<checkout>/src) to compare their mappings.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The machine is shared: the fastest of many short runs is the least disturbed one.
REPEATS = 30

import sqlalchemy as sa

from lebrq.adapters.sql import bookings as sql_bookings
from lebrq.adapters.sql.engine import create_engine
from lebrq.adapters.sql.migrations import upgrade_to_head
from lebrq.adapters.sql.unit_of_work import SqlUnitOfWorkFactory
from tests.support.contract_data import catalog_rows, new_booking


async def measure(url: str, rows: int, rounds: int) -> tuple[float, str]:
    engine = create_engine(url)
    uow = SqlUnitOfWorkFactory(engine)
    try:
        async with uow() as tx:
            user, venue, _ = await catalog_rows(tx)
            for n in range(rows):
                await tx.bookings.add(new_booking(user, venue, hours=(n % 20, n % 20 + 1), idempotency_key=f"k{n}"))
            await tx.commit()
        async with engine.connect() as connection:
            # Older checkouts name the column list _BOOKING_COLUMNS.
            columns = getattr(sql_bookings, "_BOOKING_COLUMNS", None) or sql_bookings._BOOKING.select
            page = (await connection.execute(sa.select(*columns))).all()
    finally:
        await engine.dispose()
    mapping = sql_bookings._booking
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        for _ in range(rounds):
            for row in page:
                mapping(row, ())
        best = min(best, (time.perf_counter() - started) / (rounds * len(page)))
    return best, sql_bookings.__file__


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lebrq-bench-") as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        upgrade_to_head(url)
        per_row, source = asyncio.run(measure(url, args.rows, args.rounds))
    print(
        f"row mapping benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, Python {platform.python_version()}"
    )
    print(f"mapping from {source}")
    print(
        f"{per_row * 1e6:.2f} us per booking row; {per_row * 1e6 * args.rows / 1000:.3f} ms per page of {args.rows} (best of {REPEATS} x {args.rounds} rounds)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
