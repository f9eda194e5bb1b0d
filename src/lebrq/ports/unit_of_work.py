"""A transaction over the repositories: commit explicitly, roll back otherwise."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol

from lebrq.ports.bookings import BookingRepository
from lebrq.ports.catalog import ItemRepository, VenueRepository
from lebrq.ports.media import MediaRepository
from lebrq.ports.programs import EnrolmentRepository, ProgramRepository
from lebrq.ports.tax_documents import DocumentCounterRepository, RefundRepository, TaxDocumentRepository
from lebrq.ports.users import OtpRepository, UserRepository


class UnitOfWork(Protocol):
    users: UserRepository
    otp_codes: OtpRepository
    media: MediaRepository
    venues: VenueRepository
    items: ItemRepository
    bookings: BookingRepository
    programs: ProgramRepository
    enrolments: EnrolmentRepository
    document_counters: DocumentCounterRepository
    tax_documents: TaxDocumentRepository
    refunds: RefundRepository

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
