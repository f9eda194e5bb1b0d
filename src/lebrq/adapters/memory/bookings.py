from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import msgspec

from lebrq.adapters.memory.store import MemoryStore
from lebrq.domain.model.bookings import (
    Booking,
    BookingExportRow,
    BookingFilter,
    BookingItem,
    BookingItemFilter,
    BookingStatus,
    NewBooking,
    TimeSlot,
)
from lebrq.domain.model.errors import Conflict
from lebrq.domain.model.pagination import (
    Page,
    PagePosition,
    PageRequest,
    highest_id_first,
    newest_first,
    page_of_sorted,
)


class MemoryBookingRepository:
    """Bookings are stored with their items inside; `booking_items` holds the lines too,
    so item ids come from their own sequence as in SQL."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._bookings = store.table("bookings")
        self._lines = store.table("booking_items")

    async def add(self, booking: NewBooking) -> Booking:
        if booking.idempotency_key is not None and await self.get_by_idempotency_key(
            booking.user_id, booking.idempotency_key
        ):
            raise Conflict("this Idempotency-Key was already used", field="Idempotency-Key")
        booking_id = self._bookings.next_id()
        lines = tuple(
            BookingItem(id=self._lines.next_id(), booking_id=booking_id, **msgspec.structs.asdict(line))
            for line in booking.items
        )
        for line in lines:
            self._lines[line.id] = line
        fields = msgspec.structs.asdict(booking)
        fields.update(id=booking_id, items=lines, updated_at=booking.created_at)
        stored = Booking(**fields)
        self._bookings[booking_id] = stored
        return stored

    async def get(self, booking_id: int) -> Booking | None:
        return self._bookings.get(booking_id)

    async def get_for_update(self, booking_id: int) -> Booking | None:
        return self._bookings.get(booking_id)

    async def get_by_idempotency_key(self, user_id: int, key: str) -> Booking | None:
        return next((b for b in self._bookings.values() if b.user_id == user_id and b.idempotency_key == key), None)

    async def busy(self, venue_id: int, window: TimeSlot, now: datetime) -> list[TimeSlot]:
        slots = [
            b.slot
            for b in self._bookings.values()
            if b.venue_id == venue_id and b.holds_slot(now) and b.slot.overlaps(window)
        ]
        return sorted(slots, key=lambda slot: slot.start)

    async def save_state(self, booking: Booking) -> None:
        current = self._bookings[booking.id]
        self._bookings[booking.id] = msgspec.structs.replace(
            current,
            status=booking.status,
            payment_reference=booking.payment_reference,
            confirmed_at=booking.confirmed_at,
            cancelled_at=booking.cancelled_at,
            cancel_reason=booking.cancel_reason,
            invoice_number=booking.invoice_number,
            refund=booking.refund,
            updated_at=booking.updated_at,
        )

    async def count_pending(self, user_id: int, now: datetime) -> int:
        return sum(
            1 for b in self._bookings.values() if b.user_id == user_id and b.as_of(now).status is BookingStatus.PENDING
        )

    async def expire_lapsed_holds(self, now: datetime) -> int:
        lapsed = [b for b in self._bookings.values() if b.hold_lapsed(now)]
        for booking in lapsed:
            self._bookings[booking.id] = booking.expire()
        return len(lapsed)

    async def list(self, filters: BookingFilter, page: PageRequest, now: datetime) -> Page[Booking]:
        return page_of_sorted((b for b in self._bookings.values() if _matches(b, filters, now)), page, newest_first)

    async def list_items(self, filters: BookingItemFilter, page: PageRequest) -> Page[BookingItem]:
        lines = (
            line
            for line in self._lines.values()
            if filters.booking_id in (None, line.booking_id) and filters.item_id in (None, line.item_id)
        )
        return page_of_sorted(lines, page, highest_id_first)

    async def export(
        self, filters: BookingFilter, now: datetime, after: PagePosition | None = None
    ) -> AsyncGenerator[BookingExportRow, None]:
        users, venues = self._store.table("users"), self._store.table("venues")
        everything = PageRequest(page_size=10**9, after=after)
        for booking in page_of_sorted(
            (b for b in self._bookings.values() if _matches(b, filters, now)), everything, newest_first
        ).items:
            user, venue = users.get(booking.user_id), venues[booking.venue_id]
            current = booking.as_of(now)
            yield BookingExportRow(
                id=current.id,
                user_id=current.user_id,
                user_email=None if user is None else user.email,
                venue_id=current.venue_id,
                venue_name=venue.name,
                start=current.start,
                end=current.end,
                status=current.status,
                subtotal_paise=current.subtotal_paise,
                tax_paise=current.tax_paise,
                total_paise=current.total_paise,
                currency=current.currency,
                invoice_number=current.invoice_number,
                payment_reference=current.payment_reference,
                notes=current.notes,
                created_at=current.created_at,
            )


def _matches(booking: Booking, filters: BookingFilter, now: datetime) -> bool:
    return (
        filters.user_id in (None, booking.user_id)
        and filters.venue_id in (None, booking.venue_id)
        and filters.status in (None, booking.as_of(now).status)
        and (filters.starts_from is None or booking.start >= filters.starts_from)
        and (filters.starts_before is None or booking.start < filters.starts_before)
    )
