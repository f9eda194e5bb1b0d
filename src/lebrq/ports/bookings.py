"""Storage of bookings and their item lines."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Protocol

from lebrq.domain.model.bookings import (
    Booking,
    BookingExportRow,
    BookingFilter,
    BookingItem,
    BookingItemFilter,
    NewBooking,
    TimeSlot,
)
from lebrq.domain.model.pagination import Page, PagePosition, PageRequest


class BookingRepository(Protocol):
    async def add(self, booking: NewBooking) -> Booking:
        """Insert the booking and its item lines. Raises `Conflict` (field
        `Idempotency-Key`) when the user already used that idempotency key."""
        ...

    async def get(self, booking_id: int) -> Booking | None:
        """The booking with its items and stored status (apply `Booking.as_of(now)` to see
        an unswept hold as expired). Used for ownership checks by other contexts too."""
        ...

    async def get_for_update(self, booking_id: int) -> Booking | None:
        """Like `get`, and locks the booking row until the unit of work ends."""
        ...

    async def get_by_idempotency_key(self, user_id: int, key: str) -> Booking | None: ...

    async def busy(self, venue_id: int, window: TimeSlot, now: datetime) -> list[TimeSlot]:
        """Slots of the venue's active bookings (confirmed, or pending with a hold still
        running at `now`) that overlap `window`, earliest first."""
        ...

    async def count_pending(self, user_id: int, now: datetime) -> int:
        """The user's pending bookings whose hold still runs at `now`."""
        ...

    async def save_state(self, booking: Booking) -> None:
        """Write the mutable fields of an existing booking: status, payment reference,
        confirmation and cancellation details, invoice number, refund, updated_at."""
        ...

    async def expire_lapsed_holds(self, now: datetime) -> int:
        """Mark pending bookings whose hold ended at or before `now` as expired (with
        `updated_at` = the end of the hold); returns how many."""
        ...

    async def list(self, filters: BookingFilter, page: PageRequest, now: datetime) -> Page[Booking]:
        """Newest first, ties by higher id, items included, in a fixed number of queries.
        The status filter judges holds at `now`: `pending` excludes lapsed holds and
        `expired` includes them."""
        ...

    async def list_items(self, filters: BookingItemFilter, page: PageRequest) -> Page[BookingItem]:
        """Item lines, newest first (higher id first)."""
        ...

    def export(
        self, filters: BookingFilter, now: datetime, after: PagePosition | None = None
    ) -> AsyncGenerator[BookingExportRow, None]:
        """Every matching booking, newest first (only those after `after` when given),
        streamed: rows are fetched in batches from a server-side cursor, never all at once. Closing the iterator early stops
        the query."""
        ...
