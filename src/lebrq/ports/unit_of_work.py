"""A transaction over the repositories: commit explicitly, roll back otherwise."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol

from lebrq.ports.audit import AuditLogRepository
from lebrq.ports.bookings import BookingRepository
from lebrq.ports.catalog import ItemRepository, VenueRepository
from lebrq.ports.media import MediaRepository
from lebrq.ports.outbox import OutboxRepository
from lebrq.ports.programs import EnrolmentRepository, ProgramRepository
from lebrq.ports.sessions import SessionRepository, ThrottleRepository
from lebrq.ports.tax_documents import DocumentCounterRepository, RefundRepository, TaxDocumentRepository
from lebrq.ports.users import OtpRepository, UserRepository


class UnitOfWork(Protocol):
    # Read-only members: an adapter may hold a narrower repository type (its own class).
    @property
    def users(self) -> UserRepository: ...

    @property
    def otp_codes(self) -> OtpRepository: ...

    @property
    def sessions(self) -> SessionRepository: ...

    @property
    def throttles(self) -> ThrottleRepository: ...

    @property
    def media(self) -> MediaRepository: ...

    @property
    def venues(self) -> VenueRepository: ...

    @property
    def items(self) -> ItemRepository: ...

    @property
    def bookings(self) -> BookingRepository: ...

    @property
    def programs(self) -> ProgramRepository: ...

    @property
    def enrolments(self) -> EnrolmentRepository: ...

    @property
    def document_counters(self) -> DocumentCounterRepository: ...

    @property
    def tax_documents(self) -> TaxDocumentRepository: ...

    @property
    def refunds(self) -> RefundRepository: ...

    @property
    def audit_log(self) -> AuditLogRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    async def __aenter__(self) -> UnitOfWork: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Rolls back whatever was not committed and releases the connection."""
        ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work. Writers are serialised where the database needs it
        (SQLite: BEGIN IMMEDIATE); `read_only=True` lets readers run side by side."""
        ...
