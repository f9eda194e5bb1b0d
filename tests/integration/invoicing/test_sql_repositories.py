"""Tax documents, counters, refunds and programs stored and read back through the SQL
adapters (SQLite and MariaDB), via the real use cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from lebrq.domain.model.bookings import BookingRequest, ItemRequest
from lebrq.domain.model.errors import Conflict
from lebrq.domain.model.pagination import PageRequest
from lebrq.domain.model.programs import EnrolmentStatus, ProgramFields
from lebrq.domain.model.tax_documents import DocumentKind, NewRefund, PdfFile
from tests.support.invoicing import booked_world

pytestmark = pytest.mark.anyio


async def test_invoice_refund_and_credit_note_round_trip(sql_world) -> None:
    services, adapters = sql_world
    user_id, venue_id, item_id = await booked_world(adapters.uow)
    start = (datetime.now(UTC) + timedelta(days=20)).replace(minute=0, second=0, microsecond=0)
    created = await services.bookings.create(
        user_id,
        BookingRequest(
            venue_id=venue_id, start=start, end=start + timedelta(hours=2), items=(ItemRequest(item_id, 3),)
        ),
    )
    confirmed = await services.bookings.confirm(created.booking.id, "UTR-9")
    cancelled = await services.bookings.cancel(created.booking.id, caller_id=user_id)

    async with adapters.uow(read_only=True) as uow:
        invoice = await uow.tax_documents.for_booking(DocumentKind.TAX_INVOICE, created.booking.id)
        note = await uow.tax_documents.for_booking(DocumentKind.CREDIT_NOTE, created.booking.id)
        refund = await uow.refunds.for_booking(created.booking.id)
        stored_booking = await uow.bookings.get(created.booking.id)
    assert invoice is not None and note is not None and refund is not None
    assert invoice.number == confirmed.invoice_number
    assert invoice.document.issued_at == confirmed.confirmed_at
    assert [line.quantity for line in invoice.document.lines] == [1, 3]
    assert note.document.original_invoice_number == invoice.number
    assert (refund.percent, refund.amount_paise, refund.credit_note_number) == (
        100,
        invoice.document.total_paise,
        note.number,
    )
    assert stored_booking.refund == cancelled.refund
    assert stored_booking.refund.credit_note_number == note.number

    async with adapters.uow() as uow:
        await uow.tax_documents.set_pdf(invoice.id, PdfFile(key="documents/x.pdf", size=10, sha256="ab" * 32))
        await uow.commit()
    async with adapters.uow() as uow:
        again = await uow.tax_documents.for_booking(DocumentKind.TAX_INVOICE, created.booking.id)
        assert again.pdf == PdfFile(key="documents/x.pdf", size=10, sha256="ab" * 32)
        assert again.document == invoice.document
        with pytest.raises(Conflict):
            await uow.refunds.add(
                NewRefund(
                    booking_id=refund.booking_id,
                    invoice_number=refund.invoice_number,
                    percent=0,
                    amount_paise=0,
                    credit_note_number=None,
                    reason=None,
                    created_at=refund.created_at,
                )
            )


async def test_programs_count_seats_and_list_enrolments(sql_world) -> None:
    services, adapters = sql_world
    user_id, venue_id, _ = await booked_world(adapters.uow)
    starts = date.today() + timedelta(days=3)
    program = await services.programs.create(
        ProgramFields(
            title="Kathak",
            venue_id=venue_id,
            weekdays=[1, 3],
            start_time="17:30",
            duration_minutes=75,
            starts_on=starts,
            ends_on=starts + timedelta(days=90),
            capacity=5,
            fee_paise=3_000_00,
            description="Basics",
        )
    )
    seat = await services.programs.enroll(program.id, user_id)
    await services.programs.set_poster(program.id, "/api/files/7")
    await services.programs.add_images(program.id, ["/api/files/8", "/api/files/9"])
    read = await services.programs.get(program.id)
    assert (read.seats_left, read.weekdays, read.start_time.isoformat(), read.poster_url, read.image_urls) == (
        4,
        (1, 3),
        "17:30:00",
        "/api/files/7",
        ("/api/files/8", "/api/files/9"),
    )
    listed = await services.programs.list(PageRequest.of(1, 10))
    assert [p.id for p in listed.items] == [program.id] and listed.items[0].seats_left == 4
    await services.programs.cancel_enrolment(program.id, seat.id, user_id=user_id, is_admin=False)
    mine = await services.programs.enrolments_of(user_id, PageRequest.of())
    assert [(e.id, e.status) for e in mine.items] == [(seat.id, EnrolmentStatus.CANCELLED)]
    assert (await services.programs.get(program.id)).seats_left == 5
