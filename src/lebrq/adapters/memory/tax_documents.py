"""In-memory tax documents, counters and refunds. The unit of work's write lock already
serialises writers, which is what the counter row lock gives on a real database."""

from __future__ import annotations

import msgspec

from lebrq.adapters.memory.store import MemoryStore
from lebrq.domain.model.document_numbers import DocumentSeries, FinancialYear
from lebrq.domain.model.errors import Conflict
from lebrq.domain.model.tax_documents import (
    DocumentKind,
    IssuedDocument,
    NewRefund,
    NewTaxDocument,
    PdfFile,
    RefundRecord,
)


class _Counter(msgspec.Struct, frozen=True, gc=False):
    series: DocumentSeries
    year: FinancialYear
    next_number: int


class MemoryDocumentCounterRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._counters = store.table("document_counters")

    async def next_number(self, series: DocumentSeries, year: FinancialYear) -> int:
        row_id = next((i for i, c in self._counters.items() if c.series == series and c.year == year), None)
        if row_id is None:
            row_id = self._counters.next_id()
            self._counters[row_id] = _Counter(series, year, 1)
        counter: _Counter = self._counters[row_id]
        self._counters[row_id] = msgspec.structs.replace(counter, next_number=counter.next_number + 1)
        return counter.next_number


class MemoryTaxDocumentRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._documents = store.table("tax_documents")

    async def add(self, document: NewTaxDocument) -> IssuedDocument:
        doc = document.document
        if await self.for_booking(doc.kind, doc.booking_id) is not None:
            raise Conflict(f"booking {doc.booking_id} already has a {doc.kind.value.replace('_', ' ')}")
        if any(d.number == doc.number for d in self._documents.values()):
            raise Conflict(f"document number {doc.number} is already used")
        stored = IssuedDocument(id=self._documents.next_id(), user_id=document.user_id, document=doc)
        self._documents[stored.id] = stored
        return stored

    async def for_booking(self, kind: DocumentKind, booking_id: int) -> IssuedDocument | None:
        return next(
            (d for d in self._documents.values() if d.kind is kind and d.document.booking_id == booking_id), None
        )

    async def set_pdf(self, document_id: int, pdf: PdfFile) -> None:
        self._documents[document_id] = msgspec.structs.replace(self._documents[document_id], pdf=pdf)


class MemoryRefundRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._refunds = store.table("refunds")

    async def add(self, refund: NewRefund) -> RefundRecord:
        if await self.for_booking(refund.booking_id) is not None:
            raise Conflict(f"booking {refund.booking_id} has already been refunded")
        stored = RefundRecord(id=self._refunds.next_id(), **msgspec.structs.asdict(refund))
        self._refunds[stored.id] = stored
        return stored

    async def for_booking(self, booking_id: int) -> RefundRecord | None:
        return next((r for r in self._refunds.values() if r.booking_id == booking_id), None)
