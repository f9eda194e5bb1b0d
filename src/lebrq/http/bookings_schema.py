"""Wire shapes of bookings (API.md "Bookings" and "Admin lists and exports")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from lebrq.domain.model.bookings import (
    MAX_CANCEL_REASON_LENGTH,
    MAX_ITEM_LINES,
    MAX_NOTES_LENGTH,
    MAX_PAYMENT_REFERENCE_LENGTH,
    MAX_QUANTITY,
    Booking,
    BookingItem,
    BookingRequest,
    BookingStatus,
    ItemRequest,
)
from lebrq.http.contract import BodyId


class BookingLineOut(msgspec.Struct, frozen=True, gc=False):
    id: int
    item_id: int
    name: str
    quantity: int
    unit_price_paise: int
    amount_paise: int


class AdminBookingLineOut(msgspec.Struct, frozen=True, gc=False):
    id: int
    booking_id: int
    item_id: int
    name: str
    quantity: int
    unit_price_paise: int
    amount_paise: int

    @classmethod
    def of(cls, line: BookingItem) -> AdminBookingLineOut:
        return cls(
            id=line.id,
            booking_id=line.booking_id,
            item_id=line.item_id,
            name=line.name,
            quantity=line.quantity,
            unit_price_paise=line.unit_price_paise,
            amount_paise=line.amount_paise,
        )


class RefundOut(msgspec.Struct, frozen=True, gc=False):
    amount_paise: int
    credit_note_number: str
    created_at: datetime


class BookingOut(msgspec.Struct, frozen=True, gc=False):
    id: int
    user_id: int
    venue_id: BodyId
    start: datetime
    end: datetime
    status: BookingStatus
    notes: str | None
    items: list[BookingLineOut]
    subtotal_paise: int
    tax_paise: int
    total_paise: int
    currency: str
    invoice_number: str | None
    refund: RefundOut | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, booking: Booking) -> BookingOut:
        refund = booking.refund
        return cls(
            id=booking.id,
            user_id=booking.user_id,
            venue_id=booking.venue_id,
            start=booking.start,
            end=booking.end,
            status=booking.status,
            notes=booking.notes,
            items=[
                BookingLineOut(
                    id=line.id,
                    item_id=line.item_id,
                    name=line.name,
                    quantity=line.quantity,
                    unit_price_paise=line.unit_price_paise,
                    amount_paise=line.amount_paise,
                )
                for line in booking.items
            ],
            subtotal_paise=booking.subtotal_paise,
            tax_paise=booking.tax_paise,
            total_paise=booking.total_paise,
            currency=booking.currency,
            invoice_number=booking.invoice_number,
            refund=None
            if refund is None
            else RefundOut(
                amount_paise=refund.amount_paise,
                credit_note_number=refund.credit_note_number,
                created_at=refund.created_at,
            ),
            created_at=booking.created_at,
            updated_at=booking.updated_at,
        )


class ItemLineIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    item_id: BodyId
    quantity: Annotated[int, msgspec.Meta(ge=1, le=MAX_QUANTITY)]


class CreateBookingIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """`start`/`end` in ISO 8601 with an offset, on whole half-hours; end after start;
    start in the future; at most 24 hours."""

    venue_id: BodyId
    start: datetime
    end: datetime
    items: Annotated[list[ItemLineIn], msgspec.Meta(max_length=MAX_ITEM_LINES)] = []
    notes: Annotated[str, msgspec.Meta(max_length=MAX_NOTES_LENGTH)] | None = None

    def request(self) -> BookingRequest:
        return BookingRequest(
            venue_id=self.venue_id,
            start=self.start,
            end=self.end,
            items=tuple(ItemRequest(item_id=line.item_id, quantity=line.quantity) for line in self.items),
            notes=self.notes,
        )


class CancelIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=MAX_CANCEL_REASON_LENGTH)] | None = None


class ConfirmIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    payment_reference: Annotated[
        str, msgspec.Meta(min_length=1, max_length=MAX_PAYMENT_REFERENCE_LENGTH, pattern=r"\S")
    ]
