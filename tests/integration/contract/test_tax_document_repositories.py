"""The document counter, tax document and refund repository contract, on memory, SQLite
and MariaDB."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import pytest

from lebrq.domain.model.cancellation import percent_of
from lebrq.domain.model.document_numbers import DocumentSeries, FinancialYear
from lebrq.domain.model.errors import Conflict
from lebrq.domain.model.tax_documents import (
    DocumentKind,
    NewRefund,
    NewTaxDocument,
    PdfFile,
    credit_note_document,
    invoice_document,
)
from lebrq.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tests.support.booking_factories import NOW
from tests.support.contract_data import catalog_rows, new_booking
from tests.support.invoicing import SELLER, billable

pytestmark = pytest.mark.anyio

FY_2026 = FinancialYear(2026)


async def booked(uow: UnitOfWork) -> tuple[int, int]:
    """A stored booking: (user id, booking id)."""
    user, venue, _ = await catalog_rows(uow)
    return user, (await uow.bookings.add(new_booking(user, venue))).id


async def test_counters_count_per_series_and_year_and_give_back_rolled_back_numbers(
    contract_uow: UnitOfWorkFactory,
) -> None:
    async with contract_uow() as uow:
        counters = uow.document_counters
        taken = [
            await counters.next_number(DocumentSeries.INVOICE, FY_2026),
            await counters.next_number(DocumentSeries.INVOICE, FY_2026),
            await counters.next_number(DocumentSeries.CREDIT_NOTE, FY_2026),
            await counters.next_number(DocumentSeries.INVOICE, FinancialYear(2027)),
        ]
        await uow.commit()
    async with contract_uow() as uow:
        assert await uow.document_counters.next_number(DocumentSeries.INVOICE, FY_2026) == 3
        # not committed: the number is given back
    async with contract_uow() as uow:
        again = await uow.document_counters.next_number(DocumentSeries.INVOICE, FY_2026)
        await uow.commit()
    assert taken == [1, 2, 1, 1] and again == 3


async def test_an_invoice_reads_back_whole_and_a_second_of_a_kind_is_a_conflict(
    contract_uow: UnitOfWorkFactory,
) -> None:
    async with contract_uow() as uow:
        user, booking_id = await booked(uow)
        document = invoice_document(SELLER, billable(booking_id=booking_id), "LEBRQ/2026-27/000001", FY_2026, NOW)
        issued = await uow.tax_documents.add(NewTaxDocument(user_id=user, sequence=1, document=document))
        await uow.commit()
    async with contract_uow() as uow:
        with pytest.raises(Conflict):
            await uow.tax_documents.add(NewTaxDocument(user_id=user, sequence=2, document=document))
    async with contract_uow(read_only=True) as uow:
        read = await uow.tax_documents.for_booking(DocumentKind.TAX_INVOICE, booking_id)
        assert await uow.tax_documents.for_booking(DocumentKind.CREDIT_NOTE, booking_id) is None
        assert await uow.tax_documents.for_booking(DocumentKind.TAX_INVOICE, booking_id + 1000) is None
    assert read == issued
    assert read is not None and read.document == document and read.pdf is None and read.user_id == user


async def test_a_credit_note_sits_beside_its_invoice_and_the_pdf_location_is_recorded(
    contract_uow: UnitOfWorkFactory,
) -> None:
    async with contract_uow() as uow:
        user, booking_id = await booked(uow)
        invoice = invoice_document(SELLER, billable(booking_id=booking_id), "LEBRQ/2026-27/000002", FY_2026, NOW)
        await uow.tax_documents.add(NewTaxDocument(user_id=user, sequence=2, document=invoice))
        note = credit_note_document(invoice, 50, "LEBRQ-CN/2026-27/000001", FY_2026, NOW + timedelta(days=1), "rain")
        issued_note = await uow.tax_documents.add(NewTaxDocument(user_id=user, sequence=1, document=note))
        pdf = PdfFile(key="documents/2026/credit-note-1.pdf", size=12_345, sha256="ab" * 32)
        await uow.tax_documents.set_pdf(issued_note.id, pdf)
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        read_note = await uow.tax_documents.for_booking(DocumentKind.CREDIT_NOTE, booking_id)
        read_invoice = await uow.tax_documents.for_booking(DocumentKind.TAX_INVOICE, booking_id)
    assert read_note is not None and read_note.pdf == pdf and read_note.document == note
    assert read_note.document.total_paise == sum(
        percent_of(v, 50) for v in (invoice.taxable_paise, invoice.cgst_paise, invoice.sgst_paise)
    )
    assert read_invoice is not None and read_invoice.pdf is None


async def test_a_refund_reads_back_and_a_booking_is_refunded_once(contract_uow: UnitOfWorkFactory) -> None:
    refund = NewRefund(
        booking_id=0,
        invoice_number="LEBRQ/2026-27/000003",
        percent=50,
        amount_paise=12_066,
        credit_note_number="LEBRQ-CN/2026-27/000002",
        reason="changed plans",
        created_at=NOW,
    )
    async with contract_uow() as uow:
        _, booking_id = await booked(uow)
        _, late_booking_id = await booked(uow)
        stored = await uow.refunds.add(msgspec.structs.replace(refund, booking_id=booking_id))
        late = await uow.refunds.add(
            msgspec.structs.replace(
                refund, booking_id=late_booking_id, percent=0, amount_paise=0, credit_note_number=None, reason=None
            )
        )
        await uow.commit()
    async with contract_uow() as uow:
        with pytest.raises(Conflict):
            await uow.refunds.add(msgspec.structs.replace(refund, booking_id=booking_id))
    async with contract_uow(read_only=True) as uow:
        read = await uow.refunds.for_booking(booking_id)
        read_late = await uow.refunds.for_booking(late_booking_id)
        assert await uow.refunds.for_booking(booking_id + late_booking_id + 1000) is None
    assert read == stored and read_late == late
    assert read is not None and (read.percent, read.amount_paise, read.credit_note_number, read.currency) == (
        50,
        12_066,
        "LEBRQ-CN/2026-27/000002",
        "INR",
    )
    assert read_late is not None and read_late.credit_note_number is None and read_late.reason is None
