from __future__ import annotations

from types import TracebackType
from typing import Any

from lebrq.adapters.memory.audit import MemoryAuditLogRepository
from lebrq.adapters.memory.bookings import MemoryBookingRepository
from lebrq.adapters.memory.catalog import MemoryItemRepository, MemoryVenueRepository
from lebrq.adapters.memory.media import MemoryMediaRepository
from lebrq.adapters.memory.outbox import MemoryOutboxRepository
from lebrq.adapters.memory.programs import MemoryEnrolmentRepository, MemoryProgramRepository
from lebrq.adapters.memory.sessions import MemorySessionRepository, MemoryThrottleRepository
from lebrq.adapters.memory.store import MemoryStore
from lebrq.adapters.memory.tax_documents import (
    MemoryDocumentCounterRepository,
    MemoryRefundRepository,
    MemoryTaxDocumentRepository,
)
from lebrq.adapters.memory.users import MemoryOtpRepository, MemoryUserRepository


class MemoryUnitOfWork:
    """Writers run one at a time and are rolled back to their starting snapshot unless
    they commit; readers see committed state (there is only ever one writer)."""

    def __init__(self, store: MemoryStore, *, read_only: bool = False) -> None:
        self._store = store
        self._read_only = read_only
        self._snapshot: dict[str, dict[int, Any]] | None = None
        self.users = MemoryUserRepository(store)
        self.otp_codes = MemoryOtpRepository(store)
        self.sessions = MemorySessionRepository(store)
        self.throttles = MemoryThrottleRepository(store)
        self.venues = MemoryVenueRepository(store)
        self.items = MemoryItemRepository(store)
        self.bookings = MemoryBookingRepository(store)
        self.media = MemoryMediaRepository(store)
        self.programs = MemoryProgramRepository(store)
        self.enrolments = MemoryEnrolmentRepository(store)
        self.document_counters = MemoryDocumentCounterRepository(store)
        self.tax_documents = MemoryTaxDocumentRepository(store)
        self.refunds = MemoryRefundRepository(store)
        self.audit_log = MemoryAuditLogRepository(store)
        self.outbox = MemoryOutboxRepository(store)

    async def __aenter__(self) -> MemoryUnitOfWork:
        if not self._read_only:
            await self._store.write_lock.acquire()
            self._snapshot = self._store.snapshot()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._read_only:
            return
        if self._snapshot is not None:
            self._store.restore(self._snapshot)
        self._store.write_lock.release()

    async def commit(self) -> None:
        if not self._read_only:
            self._snapshot = self._store.snapshot()


class MemoryUnitOfWorkFactory:
    def __init__(self, store: MemoryStore | None = None) -> None:
        self.store = store or MemoryStore()

    def __call__(self, *, read_only: bool = False) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self.store, read_only=read_only)
