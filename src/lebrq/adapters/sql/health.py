from __future__ import annotations

import anyio
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from lebrq.ports.health import PoolStatus


class SqlDatabaseHealth:
    def __init__(self, engine: AsyncEngine, *, max_overflow: int, timeout_seconds: float = 2.0) -> None:
        self._engine = engine
        self._max_overflow = max_overflow
        self._timeout = timeout_seconds

    async def ping(self) -> bool:
        # Readiness must answer quickly even when the database hangs rather than refuses.
        with anyio.move_on_after(self._timeout):
            # A pooled connection used a moment ago is not pinged on checkout (engine.py):
            # if it went stale, its failure invalidates the pool and a second try connects
            # afresh, so a database that is back is not reported down.
            for _attempt in range(2):
                try:
                    async with self._engine.connect() as connection:
                        await connection.execute(sa.text("SELECT 1"))
                    return True
                except Exception:
                    continue
        return False

    def pool_status(self) -> PoolStatus:
        pool = self._engine.pool
        # engine.create_engine builds a queue pool for MariaDB and SQLite files alike.
        if not isinstance(pool, QueuePool):
            raise TypeError(f"pool status needs a queue pool, not {type(pool).__name__}")
        return PoolStatus(
            size=pool.size(),
            checked_in=pool.checkedin(),
            checked_out=pool.checkedout(),
            overflow=max(0, pool.overflow()),
            max_overflow=self._max_overflow,
        )
