"""One migration at a time per database, however many replicas start at once.

Every Alembic run (`lebrq db upgrade`, `lebrq serve` with MIGRATE_ON_START=true) holds
this lock from before it reads the schema's revision until its migrations are committed.
A replica that waits then finds the schema at head and has nothing to do.

- MariaDB/MySQL: `GET_LOCK('lebrq-migrate:<database>')`, a named lock of the server,
  held by the migrating connection and released with it (also when the process dies, as
  its connection closes). Named after the database, so that several databases on one
  server (tests, staging) do not wait for each other.
- SQLite: an exclusive `flock` on `<database file>.migrate-lock` beside the database (the
  machine's processes are the only ones that can reach the file; the kernel releases the
  lock when the process dies).
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

LOCK_TIMEOUT_SECONDS = 600
SQLITE_POLL_SECONDS = 0.2


class MigrationLockTimeout(RuntimeError):
    """Another process held the migration lock for longer than the timeout."""


@contextmanager
def migration_lock(connection: Connection, timeout_seconds: int = LOCK_TIMEOUT_SECONDS) -> Iterator[None]:
    if connection.dialect.name == "mysql":
        with _server_named_lock(connection, timeout_seconds):
            yield
    elif connection.dialect.name == "sqlite":
        database = connection.engine.url.database
        if not database or database == ":memory:":
            yield  # a private in-memory database: nobody else can migrate it
            return
        with _file_lock(Path(database + ".migrate-lock"), timeout_seconds):
            yield
    else:
        raise NotImplementedError(f"no migration lock for {connection.dialect.name}")


@contextmanager
def _server_named_lock(connection: Connection, timeout_seconds: int) -> Iterator[None]:
    name = connection.execute(text("SELECT CONCAT('lebrq-migrate:', DATABASE())")).scalar_one()
    acquired = connection.execute(text("SELECT GET_LOCK(:name, :timeout)"), {"name": name, "timeout": timeout_seconds})
    if acquired.scalar_one() != 1:
        raise MigrationLockTimeout(f"another process has been migrating this database for over {timeout_seconds} s")
    # GET_LOCK ran outside any transaction Alembic will begin; end the implicit one so the
    # migration's own transaction sees the schema as it is now.
    connection.commit()
    try:
        yield
    finally:
        connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": name})
        connection.commit()


@contextmanager
def _file_lock(path: Path, timeout_seconds: int) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + timeout_seconds
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise MigrationLockTimeout(
                        f"another process has been migrating {path.with_suffix('')} for over {timeout_seconds} s"
                    ) from None
                time.sleep(SQLITE_POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)
