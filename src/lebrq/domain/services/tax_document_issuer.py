"""Issuing invoices and credit notes inside the caller's unit of work, so a document
exists exactly when the booking change that caused it is committed. The documents
themselves are built by `lebrq.domain.model.tax_documents`; this numbers and stores them."""

from __future__ import annotations

from datetime import datetime

from lebrq.domain.model.cancellation import CancellationPolicy
from lebrq.domain.model.document_numbers import FinancialYear, NumberFormat, document_date
from lebrq.domain.model.errors import Conflict
from lebrq.domain.model.tax_documents import (
    BillableBooking,
    DocumentKind,
    IssuedDocument,
    NewRefund,
    NewTaxDocument,
    RefundRecord,
    Seller,
    credit_note_document,
    invoice_document,
)
from lebrq.ports.unit_of_work import UnitOfWork


class TaxDocumentIssuer:
    def __init__(
        self,
        seller: Seller,
        *,
        invoice_format: NumberFormat,
        credit_note_format: NumberFormat,
        cancellation_policy: CancellationPolicy,
    ) -> None:
        self._seller = seller
        self._formats = {DocumentKind.TAX_INVOICE: invoice_format, DocumentKind.CREDIT_NOTE: credit_note_format}
        self.cancellation_policy = cancellation_policy

    async def issue_invoice(self, uow: UnitOfWork, booking: BillableBooking, at: datetime) -> IssuedDocument:
        if await uow.tax_documents.for_booking(DocumentKind.TAX_INVOICE, booking.booking_id) is not None:
            raise Conflict("this booking already has an invoice")
        number, year, sequence = await self._next_number(uow, DocumentKind.TAX_INVOICE, at)
        document = invoice_document(self._seller, booking, number, year, at)
        return await uow.tax_documents.add(
            NewTaxDocument(user_id=booking.user_id, sequence=sequence, document=document)
        )

    async def refund_cancellation(
        self, uow: UnitOfWork, booking_id: int, *, cancelled_at: datetime, reason: str | None = None
    ) -> RefundRecord:
        """Record the refund for cancelling a confirmed booking and, when the policy gives
        anything back, issue the credit note. Call with the booking row locked."""
        if await uow.refunds.for_booking(booking_id) is not None:
            raise Conflict("this booking has already been refunded")
        invoice = await uow.tax_documents.for_booking(DocumentKind.TAX_INVOICE, booking_id)
        if invoice is None:
            raise Conflict("a booking without an invoice cannot be refunded")
        original = invoice.document
        percent = self.cancellation_policy.refund_percent(starts_at=original.slot_start, cancelled_at=cancelled_at)
        credit_note = None
        if percent > 0:
            number, year, sequence = await self._next_number(uow, DocumentKind.CREDIT_NOTE, cancelled_at)
            document = credit_note_document(original, percent, number, year, cancelled_at, reason)
            credit_note = await uow.tax_documents.add(
                NewTaxDocument(user_id=invoice.user_id, sequence=sequence, document=document)
            )
        return await uow.refunds.add(
            NewRefund(
                booking_id=booking_id,
                invoice_number=original.number,
                percent=percent,
                amount_paise=0 if credit_note is None else credit_note.document.total_paise,
                credit_note_number=None if credit_note is None else credit_note.number,
                reason=reason,
                created_at=cancelled_at,
            )
        )

    async def _next_number(self, uow: UnitOfWork, kind: DocumentKind, at: datetime) -> tuple[str, FinancialYear, int]:
        year = FinancialYear.of(document_date(at))
        sequence = await uow.document_counters.next_number(kind.series, year)
        return self._formats[kind].format(year, sequence), year, sequence
