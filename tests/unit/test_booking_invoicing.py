"""Confirming and cancelling bookings through the real wiring (bootstrap's hooks), on
in-memory adapters: the invoice is issued with the confirmation, refunds follow the
policy, and an issued invoice never changes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import msgspec
import pytest

from lebrq.adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from lebrq.adapters.system.clock import FixedClock
from lebrq.domain.model.bookings import BookingRequest, BookingStatus, ItemRequest
from lebrq.domain.model.catalog import VenueFields
from lebrq.domain.model.errors import Conflict, NotFound
from lebrq.domain.model.tax_documents import DocumentKind, TaxDocument
from tests.support.booking_factories import NOW
from tests.support.invoicing import booked_world, services_on

pytestmark = pytest.mark.anyio

START = (NOW + timedelta(days=10)).replace(hour=10, minute=0, second=0)


@pytest.fixture
def uow() -> MemoryUnitOfWorkFactory:
    return MemoryUnitOfWorkFactory()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


async def confirmed_booking(uow: MemoryUnitOfWorkFactory, clock: FixedClock, renderer: object = None):
    services = services_on(uow, clock, renderer=renderer)
    user_id, venue_id, item_id = await booked_world(uow)
    request = BookingRequest(
        venue_id=venue_id, start=START, end=START + timedelta(hours=3), items=(ItemRequest(item_id, 2),)
    )
    created = await services.bookings.create(user_id, request)
    confirmed = await services.bookings.confirm(created.booking.id, "UTR-881")
    return services, confirmed


async def invoice_of(uow: MemoryUnitOfWorkFactory, booking_id: int, kind: DocumentKind = DocumentKind.TAX_INVOICE):
    async with uow(read_only=True) as tx:
        return await tx.tax_documents.for_booking(kind, booking_id)


async def test_confirming_issues_the_invoice_in_the_same_transaction(uow, clock) -> None:
    _services, booking = await confirmed_booking(uow, clock)
    issued = await invoice_of(uow, booking.id)
    assert issued is not None
    doc = issued.document
    assert booking.invoice_number == doc.number == "LEBRQ/2026-27/000001"
    assert doc.buyer.name == "Asha Rao"
    assert doc.venue.name == "Banyan Hall"
    assert [line.amount_paise for line in doc.lines] == [4_500_00, 1_500_00]
    assert doc.lines[1].description == "Projector" and doc.lines[1].quantity == 2
    assert doc.taxable_paise == booking.subtotal_paise
    assert doc.cgst_paise + doc.sgst_paise == booking.tax_paise
    assert doc.total_paise == booking.total_paise
    assert doc.payment_reference == "UTR-881"


async def test_a_failed_confirmation_leaves_no_invoice_and_no_used_number(uow, clock) -> None:
    services, booking = await confirmed_booking(uow, clock)
    with pytest.raises(Conflict):
        await services.bookings.confirm(booking.id, "again")
    user_id, venue_id, _ = await booked_world(uow)
    second = await services.bookings.create(
        user_id, BookingRequest(venue_id=venue_id, start=START, end=START + timedelta(hours=1))
    )
    assert (await services.bookings.confirm(second.booking.id, "UTR-2")).invoice_number == "LEBRQ/2026-27/000002"


async def test_an_issued_invoice_never_changes(uow, clock) -> None:
    services, booking = await confirmed_booking(uow, clock)
    before = await invoice_of(uow, booking.id)
    await services.catalog.update_venue(booking.venue_id, VenueFields(name="Renamed Hall", hourly_rate_paise=9_999_00))
    pdf = await services.tax_documents.pdf_for_booking(booking.id, DocumentKind.TAX_INVOICE, caller_id=booking.user_id)
    after = await invoice_of(uow, booking.id)
    assert after.document == before.document
    assert msgspec.json.encode(after.document) == msgspec.json.encode(before.document)
    assert after.document.venue.name == "Banyan Hall"
    assert after.document.lines[0].amount_paise == 4_500_00
    assert pdf.size > 0


@pytest.mark.parametrize(
    ("notice", "percent"),
    [(timedelta(days=7), 100), (timedelta(days=7) - timedelta(seconds=1), 50), (timedelta(hours=48), 50)],
)
async def test_cancelling_a_confirmed_booking_refunds_by_policy_with_a_credit_note(uow, clock, notice, percent) -> None:
    services, booking = await confirmed_booking(uow, clock)
    clock.set(START - notice)
    cancelled = await services.bookings.cancel(booking.id, caller_id=booking.user_id)
    note = await invoice_of(uow, booking.id, DocumentKind.CREDIT_NOTE)
    assert cancelled.status is BookingStatus.CANCELLED
    assert note is not None and cancelled.refund is not None
    assert cancelled.refund.credit_note_number == note.number == "LEBRQ-CN/2026-27/000001"
    assert note.document.original_invoice_number == booking.invoice_number
    assert note.document.refund_percent == percent
    expected = booking.total_paise if percent == 100 else note.document.taxable_paise + note.document.tax_paise
    assert cancelled.refund.amount_paise == note.document.total_paise == expected
    if percent == 50:
        assert abs(note.document.total_paise * 2 - booking.total_paise) <= 2


async def test_a_late_cancellation_refunds_nothing_and_issues_no_credit_note(uow, clock) -> None:
    services, booking = await confirmed_booking(uow, clock)
    clock.set(START - timedelta(hours=48) + timedelta(seconds=1))
    cancelled = await services.bookings.cancel(booking.id, caller_id=booking.user_id)
    assert cancelled.refund is None
    assert await invoice_of(uow, booking.id, DocumentKind.CREDIT_NOTE) is None
    async with uow(read_only=True) as tx:
        record = await tx.refunds.for_booking(booking.id)
    assert record is not None and (record.percent, record.amount_paise) == (0, 0)
    with pytest.raises(NotFound):
        await services.tax_documents.pdf_for_booking(booking.id, DocumentKind.CREDIT_NOTE, caller_id=booking.user_id)


class CountingRenderer:
    def __init__(self) -> None:
        self.renders = 0

    async def render(self, document: TaxDocument) -> bytes:
        self.renders += 1
        await asyncio.sleep(0.01)  # let racing downloads pile up behind the first render
        return f"%PDF-1.4 {document.number}".encode()


async def test_pdf_is_rendered_once_and_hidden_from_other_users(uow, clock) -> None:
    renderer = CountingRenderer()
    services, booking = await confirmed_booking(uow, clock, renderer=renderer)
    files = services.tax_documents
    racing = await asyncio.gather(
        *(files.pdf_for_booking(booking.id, DocumentKind.TAX_INVOICE, caller_id=booking.user_id) for _ in range(5))
    )
    first = racing[0]
    again = await files.pdf_for_booking(booking.id, DocumentKind.TAX_INVOICE, caller_id=0, caller_is_admin=True)
    assert renderer.renders == 1
    assert all(other == first for other in racing) and again == first
    assert first.key == "documents/tax_invoice/2026-27/LEBRQ_2026-27_000001.pdf"
    assert first.filename == "LEBRQ-2026-27-000001.pdf"
    with pytest.raises(NotFound):
        await services.tax_documents.pdf_for_booking(
            booking.id, DocumentKind.TAX_INVOICE, caller_id=booking.user_id + 1000
        )
