"""Joins invoicing to the booking use cases through their seams
(`lebrq.ports.booking_hooks`): confirming issues the tax invoice, cancelling a confirmed
booking refunds it by the cancellation policy with a credit note, all inside the
booking's own transaction."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from lebrq.domain.model.amount_in_words import format_inr
from lebrq.domain.model.bookings import Booking, Refund
from lebrq.domain.model.catalog import Venue
from lebrq.domain.model.errors import NotFound
from lebrq.domain.model.pricing import GstSplit
from lebrq.domain.model.tax_documents import (
    BillableBooking,
    Buyer,
    DocumentLine,
    VenueSnapshot,
)
from lebrq.domain.model.users import User
from lebrq.domain.services.tax_document_issuer import TaxDocumentIssuer
from lebrq.ports.unit_of_work import UnitOfWork


class BookingInvoicing:
    def __init__(self, issuer: TaxDocumentIssuer) -> None:
        self._issuer = issuer

    async def on_confirmed(self, uow: UnitOfWork, booking: Booking, at: datetime) -> str:
        user = await uow.users.get(booking.user_id)
        venue = await uow.venues.get(booking.venue_id)
        if user is None or venue is None:
            raise NotFound("the booking's user or venue no longer exists")
        issued = await self._issuer.issue_invoice(uow, billable_booking(booking, user, venue), at)
        return issued.number

    async def on_cancel_confirmed(self, uow: UnitOfWork, booking: Booking, at: datetime) -> Refund | None:
        record = await self._issuer.refund_cancellation(uow, booking.id, cancelled_at=at)
        if record.credit_note_number is None:
            # Cancelled too late for any refund: nothing is credited, no credit note.
            return None
        return Refund(
            amount_paise=record.amount_paise, credit_note_number=record.credit_note_number, created_at=record.created_at
        )


def billable_booking(booking: Booking, user: User, venue: Venue) -> BillableBooking:
    """The invoice's view of a booking: the amounts are the booking's own snapshot (rate
    and item prices as booked), names are copied as they are at confirmation."""
    zone = ZoneInfo(venue.timezone)
    start, end = booking.start.astimezone(zone), booking.end.astimezone(zone)
    hours = booking.slot.minutes / 60
    venue_line = DocumentLine(
        description=(
            f"Venue hire: {venue.name}, {start:%d %b %Y %H:%M}-{end:%H:%M} {zone.key} "
            f"({hours:g} h at Rs. {format_inr(booking.hourly_rate_paise)}/h)"
        ),
        quantity=1,
        unit_price_paise=booking.venue_amount_paise,
        amount_paise=booking.venue_amount_paise,
    )
    item_lines = tuple(
        DocumentLine(
            description=item.name,
            quantity=item.quantity,
            unit_price_paise=item.unit_price_paise,
            amount_paise=item.amount_paise,
        )
        for item in booking.items
    )
    half = booking.tax_paise // 2
    return BillableBooking(
        booking_id=booking.id,
        user_id=booking.user_id,
        buyer=Buyer(name=user.name, email=user.email),
        venue=VenueSnapshot(id=venue.id, name=venue.name, timezone=venue.timezone),
        start=booking.start,
        end=booking.end,
        lines=(venue_line, *item_lines),
        gst=GstSplit(
            rate_basis_points=booking.tax_rate_basis_points, cgst_paise=booking.tax_paise - half, sgst_paise=half
        ),
        payment_reference=booking.payment_reference,
    )
