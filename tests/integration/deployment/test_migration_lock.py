"""Replicas start safely: every migration run holds a per-database lock (GET_LOCK on
MariaDB, a file lock on SQLite), so runs started together take turns; with
MIGRATE_ON_START=false `lebrq serve` refuses a database that is behind."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pymysql
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from lebrq.adapters.sql.migrations import current_revision, head_revision
from tests.support.databases import _sync_url, create_mariadb_database, sqlite_url
from tests.support.granian_process import ServiceStarter

# How long the lock stays held once the upgrade is seen waiting for it: a run that went
# on regardless would have created tables by then.
HELD_SECONDS = 2.0
WAIT_TIMEOUT_SECONDS = 60.0


def wait_until(condition: Callable[[], bool], process: subprocess.Popen[str], what: str) -> None:
    deadline = time.monotonic() + WAIT_TIMEOUT_SECONDS
    while not condition():
        assert process.poll() is None, f"the upgrade finished instead of {what}: {finished(process)}"
        assert time.monotonic() < deadline, f"the upgrade never started {what}"
        time.sleep(0.1)


def holds_open(pid: int, path: Path) -> bool:
    """Whether process `pid` has `path` open (it opens the lock file before locking it)."""
    try:
        return any(os.readlink(f"/proc/{pid}/fd/{fd}") == str(path) for fd in os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return False


def waits_for_named_lock(holder: pymysql.Connection[Any], name: str) -> bool:
    with holder.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE = 'User lock' AND INFO LIKE %s",
            (f"%GET_LOCK(%{name}%",),
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def lebrq(tmp_path: Path, database_url: str, *args: str, **env: str) -> subprocess.Popen[str]:
    environment = {**os.environ, "VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": database_url, **env}
    return subprocess.Popen(
        [sys.executable, "-m", "lebrq.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=environment,
    )


def finished(process: subprocess.Popen[str]) -> tuple[int, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out + err


@pytest.fixture
def empty_mariadb_url() -> Iterator[str]:
    yield from create_mariadb_database(migrated=False)


def tables_of(database_url: str) -> list[str]:
    engine = sa.create_engine(_sync_url(database_url).replace("+aiosqlite", ""))
    try:
        return sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def test_upgrades_started_together_both_succeed_and_leave_the_schema_at_head(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = sqlite_url(tmp_path / "shared.sqlite3") if kind == "sqlite" else request.getfixturevalue("empty_mariadb_url")
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = [pool.submit(lambda n: finished(lebrq(tmp_path / f"m{n}", url, "db", "upgrade")), n) for n in range(3)]
        results = [run.result() for run in runs]
    assert [code for code, _ in results] == [0, 0, 0], results
    assert current_revision(url) == head_revision()


def test_an_upgrade_waits_for_the_sqlite_lock(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    url = sqlite_url(database)
    descriptor = os.open(f"{database}.migrate-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)  # another replica is migrating
        upgrade = lebrq(tmp_path, url, "db", "upgrade")
        wait_until(lambda: holds_open(upgrade.pid, Path(f"{database}.migrate-lock")), upgrade, "waiting for the lock")
        time.sleep(HELD_SECONDS)
        assert upgrade.poll() is None, "the upgrade did not wait for the lock"
        assert not database.exists() or "alembic_version" not in tables_of(url)
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)
    code, output = finished(upgrade)
    assert code == 0, output
    assert current_revision(url) == head_revision()


@pytest.mark.mariadb
def test_an_upgrade_waits_for_the_mariadb_lock(tmp_path: Path, empty_mariadb_url: str) -> None:
    parts = make_url(empty_mariadb_url)
    holder = pymysql.connect(
        host=parts.host, port=parts.port or 3306, user=parts.username, password=parts.password or ""
    )
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT GET_LOCK(%s, 5)", (f"lebrq-migrate:{parts.database}",))
            assert cursor.fetchone() == (1,)
        upgrade = lebrq(tmp_path, empty_mariadb_url, "db", "upgrade")
        name = f"lebrq-migrate:{parts.database}"
        wait_until(lambda: waits_for_named_lock(holder, name), upgrade, "waiting for the lock")
        time.sleep(HELD_SECONDS)
        assert upgrade.poll() is None, "the upgrade did not wait for the lock"
        assert tables_of(empty_mariadb_url) == []
    finally:
        holder.close()  # releases the lock, as a migrating replica's connection would
    code, output = finished(upgrade)
    assert code == 0, output
    assert current_revision(empty_mariadb_url) == head_revision()


def test_serve_refuses_a_database_behind_when_migrate_on_start_is_false(tmp_path: Path) -> None:
    database = tmp_path / "old.sqlite3"
    url = sqlite_url(database)

    code, output = finished(lebrq(tmp_path, url, "serve", "--config", "granian.toml", MIGRATE_ON_START="false"))

    assert code == 1
    assert "MIGRATE_ON_START=false" in output
    assert "lebrq db upgrade" in output
    assert f"needs {head_revision()}" in output
    assert not database.exists() or tables_of(url) == []  # nothing migrated


@pytest.mark.granian
def test_serve_starts_on_a_database_at_head_when_migrate_on_start_is_false(
    granian_service: ServiceStarter, sqlite_database_url: str
) -> None:
    service = granian_service(env={"DATABASE_URL": sqlite_database_url, "MIGRATE_ON_START": "false"})
    with service.client() as client:
        assert client.get("/api/health/ready").status_code == 200
