"""Alembic environment: runs migrations on the async engine through run_sync."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from lebrq.adapters.sql.migration_lock import migration_lock
from lebrq.adapters.sql.tables import metadata

config = context.config


def run_with(connection: Connection) -> None:
    # Replicas started together: one migrates, the others wait, then find nothing to do.
    with migration_lock(connection):
        context.configure(
            connection=connection,
            target_metadata=metadata,
            # SQLite cannot ALTER most things in place; batch mode copies the table instead.
            render_as_batch=connection.dialect.name == "sqlite",
        )
        with context.begin_transaction():
            context.run_migrations()


async def run_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("the Alembic config names no sqlalchemy.url")
    engine = create_async_engine(url, poolclass=pool.NullPool)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(run_with)
    finally:
        await engine.dispose()


asyncio.run(run_online())
