"""Pooled connections are pinged only after sitting idle (adapters/sql/engine.py): what
that costs when MariaDB goes away and comes back, on a real server behind a TCP proxy
that drops every open connection."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from lebrq.adapters.sql.engine import create_engine
from lebrq.adapters.sql.health import SqlDatabaseHealth
from tests.support.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.anyio, pytest.mark.mariadb]


@pytest.fixture
async def proxy(mariadb_database_url: str) -> AsyncIterator[tuple[TcpProxy, str]]:
    server = urlsplit(mariadb_database_url.replace("mysql+asyncmy", "mysql"))
    proxy = TcpProxy(server.hostname or "127.0.0.1", server.port or 3306)
    await proxy.start()
    yield proxy, mariadb_database_url.replace(f"{server.hostname}:{server.port}", f"127.0.0.1:{proxy.port}")
    await proxy.cut()


async def _select_one(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(sa.text("SELECT 1"))).scalar_one())


async def _database_blinks(proxy: TcpProxy) -> None:
    """Every open connection is dropped; new ones work again at once."""
    await proxy.cut()
    await proxy.start()


async def test_a_connection_idle_past_the_limit_is_pinged_and_replaced(proxy: tuple[TcpProxy, str]) -> None:
    tcp, url = proxy
    engine = create_engine(url, ping_after_idle=0.0)  # every checkout counts as idle
    try:
        assert await _select_one(engine) == 1
        await _database_blinks(tcp)
        assert await _select_one(engine) == 1  # the ping found it dead; the caller never saw it
    finally:
        await engine.dispose()


async def test_a_connection_used_a_moment_ago_fails_once_then_the_pool_is_renewed(proxy: tuple[TcpProxy, str]) -> None:
    tcp, url = proxy
    engine = create_engine(url, pool_size=2, max_overflow=0, ping_after_idle=3600)
    try:
        async with engine.connect() as first, engine.connect() as second:  # two pooled connections
            await first.execute(sa.text("SELECT 1"))
            await second.execute(sa.text("SELECT 1"))
        await _database_blinks(tcp)
        with pytest.raises(sa.exc.DBAPIError):
            await _select_one(engine)  # the price of skipping the ping: one failed statement
        # ...which invalidated the other pooled connection too: no second failure.
        assert [await _select_one(engine), await _select_one(engine)] == [1, 1]
    finally:
        await engine.dispose()


async def test_readiness_is_not_fooled_by_a_stale_pooled_connection(proxy: tuple[TcpProxy, str]) -> None:
    tcp, url = proxy
    engine = create_engine(url, ping_after_idle=3600)
    try:
        health = SqlDatabaseHealth(engine, max_overflow=2)
        assert await health.ping()
        await _database_blinks(tcp)
        assert await health.ping()
        await tcp.cut()
        assert not await health.ping()
    finally:
        await engine.dispose()
