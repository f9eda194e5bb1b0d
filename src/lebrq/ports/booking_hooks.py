"""Seams where other contexts join the booking use cases inside the same transaction.

Invoicing (issue 4) implements these; the defaults in `lebrq.domain.services.bookings`
do nothing. Each hook runs inside the booking's unit of work, after the booking row is
locked and before commit, so whatever it writes commits or rolls back together with the
booking. A hook refuses by raising a `DomainError`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from lebrq.domain.model.bookings import Booking, Refund, TimeSlot
from lebrq.domain.model.catalog import Venue
from lebrq.ports.unit_of_work import UnitOfWork


class ConfirmationHook(Protocol):
    async def __call__(self, uow: UnitOfWork, booking: Booking, at: datetime) -> str | None:
        """Called when a pending booking becomes confirmed; `booking` already carries the
        confirmed status and payment reference. Returns the invoice number issued for it
        (stored on the booking), or None."""
        ...


class CancellationHook(Protocol):
    async def __call__(self, uow: UnitOfWork, booking: Booking, at: datetime) -> Refund | None:
        """Called when a CONFIRMED booking is cancelled (pending ones never reach it);
        `booking` is the confirmed booking before the change. Returns the refund with its
        credit note (stored on the booking), or None for no refund."""
        ...


class SlotGuard(Protocol):
    async def check(self, uow: UnitOfWork, venue: Venue, slot: TimeSlot, at: datetime) -> None:
        """Raise `Conflict` when the slot may not be booked for another reason than an
        overlapping booking (e.g. a regular program's session). Runs under the venue lock."""
        ...
