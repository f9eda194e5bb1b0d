"""The one AsyncEngine of a process: pool sizing from settings, SQLite made safe for writers."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from lebrq.deferred_imports import defer_asyncmy_cryptography

SQLITE_BEGIN_OPTION = "lebrq_sqlite_begin"
# A pooled connection that came back less than this many seconds ago is handed out
# without a ping (see _ping_when_idle).
PING_AFTER_IDLE_SECONDS = 1.0
_RETURNED_AT = "lebrq_returned_at"


def create_engine(
    url: str,
    *,
    pool_size: int = 2,
    max_overflow: int = 2,
    pool_recycle: int = 280,
    pool_timeout: int = 10,
    ping_after_idle: float = PING_AFTER_IDLE_SECONDS,
) -> AsyncEngine:
    is_sqlite = url.startswith("sqlite")
    kwargs: dict[str, Any] = {
        "pool_size": pool_size,
        "max_overflow": max_overflow,
        "pool_timeout": pool_timeout,
    }
    if is_sqlite:
        kwargs["connect_args"] = {"timeout": 30}
        kwargs["poolclass"] = sa.pool.AsyncAdaptedQueuePool
    else:
        # MySQL closes idle connections after wait_timeout; recycle well before that.
        kwargs["pool_recycle"] = pool_recycle
    if url.startswith("mysql+asyncmy"):
        defer_asyncmy_cryptography()  # before the dialect imports asyncmy
    engine = create_async_engine(url, **kwargs)
    _ping_when_idle(engine, ping_after_idle)
    if is_sqlite:
        _make_sqlite_transactional(engine)
    return engine


def _ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """SQLAlchemy's pool_pre_ping, but only for a connection that sat in the pool for
    `idle_seconds` or more. Under load a connection comes back and goes out again within
    milliseconds, and a ping per checkout was one of five round trips of a list request
    (on loopback TCP a round trip costs as much CPU as a small query). A connection that
    worked a moment ago is used as is: if the database went away in that moment, the
    first statement fails, and SQLAlchemy invalidates that connection and every older one
    in the pool, so the next checkout connects afresh. Staleness from the server's
    wait_timeout is left to pool_recycle."""
    dialect = engine.sync_engine.dialect

    @sa.event.listens_for(engine.sync_engine, "connect")
    def on_connect(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()  # fresh: no ping needed

    @sa.event.listens_for(engine.sync_engine, "checkin")
    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @sa.event.listens_for(engine.sync_engine, "checkout")
    def on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is not None and time.monotonic() - returned_at < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            # The pool replaces this connection (and all older ones) and tries again.
            raise sa.exc.InvalidatePoolError() from exc


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
