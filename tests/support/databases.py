"""Test databases: a migrated SQLite template copied per test, and one MariaDB database
per test session, emptied between tests."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from lebrq.adapters.sql.migrations import upgrade_to_head
from lebrq.adapters.sql.paging import forget_recent_totals
from lebrq.adapters.sql.tables import metadata

MARIADB_SERVER_URL = os.environ.get("LEBRQ_TEST_MARIADB", "mysql+asyncmy://root:@127.0.0.1:3306")
# Set by .ci/run: an unreachable MariaDB fails the run instead of skipping its tests.
REQUIRE_MARIADB = os.environ.get("LEBRQ_REQUIRE_MARIADB") == "1"


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path.as_posix()}"


def migrated_sqlite_template(folder: Path) -> Path:
    template = folder / "template.sqlite3"
    upgrade_to_head(sqlite_url(template))
    return template


def fresh_sqlite_copy(template: Path, folder: Path) -> str:
    target = folder / f"db-{uuid.uuid4().hex[:8]}.sqlite3"
    shutil.copyfile(template, target)
    return sqlite_url(target)


def _sync_url(async_url: str) -> str:
    return async_url.replace("mysql+asyncmy://", "mysql+pymysql://")


def sync_url(async_url: str) -> str:
    """The same database through a synchronous driver (for tests that look at rows)."""
    return _sync_url(async_url).replace("sqlite+aiosqlite://", "sqlite://")


def create_mariadb_database(*, migrated: bool = True) -> Iterator[str]:
    """Yields the URL of a new database, migrated unless `migrated=False` (empty, as a
    fresh deployment finds it); drops it afterwards."""
    name = f"lebrq_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        admin = sa.create_engine(_sync_url(MARIADB_SERVER_URL), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
    except Exception as exc:
        if REQUIRE_MARIADB:
            pytest.fail(f"MariaDB is required (LEBRQ_REQUIRE_MARIADB=1) but unreachable: {exc}")
        pytest.skip(f"MariaDB not reachable at {MARIADB_SERVER_URL}: {exc}")
    url = f"{MARIADB_SERVER_URL}/{name}"
    try:
        if migrated:
            upgrade_to_head(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name}")
        admin.dispose()


def empty_mariadb_tables(url: str) -> None:
    # Large list totals are reused for seconds per filter; the refilled tables start afresh.
    forget_recent_totals()
    engine = sa.create_engine(_sync_url(url))
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 0")
            for table in reversed(metadata.sorted_tables):
                connection.exec_driver_sql(f"DELETE FROM {table.name}")
            connection.exec_driver_sql("SET FOREIGN_KEY_CHECKS = 1")
    finally:
        engine.dispose()
