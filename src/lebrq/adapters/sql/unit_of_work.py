"""A unit of work on one pooled connection and one transaction."""

from __future__ import annotations

import contextlib
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from lebrq.adapters.sql.audit import SqlAuditLogRepository
from lebrq.adapters.sql.bookings import SqlBookingRepository
from lebrq.adapters.sql.catalog import SqlItemRepository, SqlVenueRepository
from lebrq.adapters.sql.engine import SQLITE_BEGIN_OPTION
from lebrq.adapters.sql.media import SqlMediaRepository
from lebrq.adapters.sql.outbox import SqlOutboxRepository
from lebrq.adapters.sql.programs import SqlEnrolmentRepository, SqlProgramRepository
from lebrq.adapters.sql.sessions import SqlSessionRepository, SqlThrottleRepository
from lebrq.adapters.sql.tax_documents import SqlDocumentCounterRepository, SqlRefundRepository, SqlTaxDocumentRepository
from lebrq.adapters.sql.unavailable import is_unavailable
from lebrq.adapters.sql.users import SqlOtpRepository, SqlUserRepository
from lebrq.domain.model.errors import DependencyUnavailable


class SqlUnitOfWork:
    def __init__(self, engine: AsyncEngine, *, read_only: bool = False) -> None:
        self._engine = engine
        self._read_only = read_only
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> SqlUnitOfWork:
        try:
            connection = await self._engine.connect()
        except Exception as exc:
            raise _translated(exc) from exc
        try:
            if self._engine.dialect.name == "sqlite" and not self._read_only:
                connection = await connection.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
            await connection.begin()
        except BaseException as exc:
            await _close_quietly(connection)
            if isinstance(exc, Exception):
                raise _translated(exc) from exc
            raise
        self._connection = connection
        self.users = SqlUserRepository(connection)
        self.otp_codes = SqlOtpRepository(connection)
        self.sessions = SqlSessionRepository(connection)
        self.throttles = SqlThrottleRepository(connection)
        self.venues = SqlVenueRepository(connection)
        self.items = SqlItemRepository(connection)
        self.bookings = SqlBookingRepository(connection)
        self.media = SqlMediaRepository(connection)
        self.programs = SqlProgramRepository(connection)
        self.enrolments = SqlEnrolmentRepository(connection)
        self.document_counters = SqlDocumentCounterRepository(connection)
        self.tax_documents = SqlTaxDocumentRepository(connection)
        self.refunds = SqlRefundRepository(connection)
        self.audit_log = SqlAuditLogRepository(connection)
        self.outbox = SqlOutboxRepository(connection)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            # Closing a connection with an open transaction rolls it back (on a lost
            # connection the server has rolled it back already).
            if exc is None:
                try:
                    await connection.close()
                except Exception as close_error:
                    # The rollback of an uncommitted (e.g. read-only) unit of work met a
                    # connection lost just now: the database is away, say so (503).
                    if is_unavailable(close_error):
                        raise DependencyUnavailable("database") from close_error
                    raise
            else:
                await _close_quietly(connection)
        if isinstance(exc, Exception) and is_unavailable(exc):
            raise DependencyUnavailable("database") from exc

    async def commit(self) -> None:
        assert self._connection is not None, "commit outside the unit of work"
        # A statement after this autobegins a new transaction, rolled back unless committed.
        await self._connection.commit()

    @property
    def connection(self) -> AsyncConnection:
        assert self._connection is not None, "used outside the unit of work"
        return self._connection


def _translated(exc: Exception) -> Exception:
    return DependencyUnavailable("database") if is_unavailable(exc) else exc


async def _close_quietly(connection: AsyncConnection) -> None:
    """Release the connection while another error is on its way out; a failure to roll
    back a dead connection must not replace that error."""
    with contextlib.suppress(Exception):  # the pool discards a connection that failed to close
        await connection.close()


class SqlUnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self._engine, read_only=read_only)
