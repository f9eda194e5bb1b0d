"""The one AsyncEngine of a process: pool sizing from settings, SQLite made safe for writers."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_BEGIN_OPTION = "lebrq_sqlite_begin"


def create_engine(
    url: str,
    *,
    pool_size: int = 2,
    max_overflow: int = 2,
    pool_recycle: int = 280,
    pool_timeout: int = 10,
) -> AsyncEngine:
    is_sqlite = url.startswith("sqlite")
    kwargs: dict[str, Any] = {
        "pool_size": pool_size,
        "max_overflow": max_overflow,
        "pool_pre_ping": True,
        "pool_timeout": pool_timeout,
    }
    if is_sqlite:
        kwargs["connect_args"] = {"timeout": 30}
        kwargs["poolclass"] = sa.pool.AsyncAdaptedQueuePool
    else:
        # MySQL closes idle connections after wait_timeout; recycle well before that.
        kwargs["pool_recycle"] = pool_recycle
    engine = create_async_engine(url, **kwargs)
    if is_sqlite:
        _make_sqlite_transactional(engine)
    return engine


def _make_sqlite_transactional(engine: AsyncEngine) -> None:
    """pysqlite's own BEGIN handling is replaced by ours so that a writing unit of work
    starts with BEGIN IMMEDIATE: it takes the write lock first, then reads, which is what
    SELECT ... FOR UPDATE gives on MySQL. Readers use a plain deferred BEGIN."""

    @sa.event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", "synchronous=NORMAL"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @sa.event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: sa.Connection) -> None:
        mode = connection.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")
