"""Storage of issued tax documents, their number counters and refunds."""

from __future__ import annotations

from typing import Protocol

from lebrq.domain.model.document_numbers import DocumentSeries, FinancialYear
from lebrq.domain.model.tax_documents import (
    DocumentKind,
    IssuedDocument,
    NewRefund,
    NewTaxDocument,
    PdfFile,
    RefundRecord,
)


class DocumentCounterRepository(Protocol):
    async def next_number(self, series: DocumentSeries, year: FinancialYear) -> int:
        """The next number of the series in that year (1 for the first), taken from a
        counter row locked until the unit of work ends: concurrent callers wait, and a
        rolled-back unit of work gives its number back, so numbers have no gaps."""
        ...


class TaxDocumentRepository(Protocol):
    async def add(self, document: NewTaxDocument) -> IssuedDocument:
        """Insert; raises `Conflict` if the booking already has a document of that kind."""
        ...

    async def for_booking(self, kind: DocumentKind, booking_id: int) -> IssuedDocument | None: ...

    async def set_pdf(self, document_id: int, pdf: PdfFile) -> None:
        """Record where the rendered PDF is kept; the document itself never changes."""
        ...


class RefundRepository(Protocol):
    async def add(self, refund: NewRefund) -> RefundRecord:
        """Insert; raises `Conflict` if the booking already has a refund."""
        ...

    async def for_booking(self, booking_id: int) -> RefundRecord | None: ...
