"""Booking use cases: create (priced, overlap-safe, idempotent), read, cancel, confirm,
availability, lists, export, and the sweep that expires lapsed holds.

Everything a change causes happens inside the booking's own transaction, read top to
bottom here: creating checks overlapping bookings and regular-program sessions under the
venue lock; confirming issues the tax invoice, cancelling a confirmed booking records
the refund and its credit note (both through `TaxDocumentIssuer`). The state changes
themselves are the booking's own (`Booking.confirm`, `.cancel`).

With a `notifier`, the customer's messages (received, confirmed with the invoice,
cancelled with the credit note) are queued in the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec

from lebrq.domain.model.access import owner_or_admin
from lebrq.domain.model.audit import AuditAction
from lebrq.domain.model.bookings import (
    MAX_CANCEL_REASON_LENGTH,
    MAX_PAYMENT_REFERENCE_LENGTH,
    Booking,
    BookingExportRow,
    BookingFilter,
    BookingItem,
    BookingItemFilter,
    BookingRequest,
    BookingStatus,
    NewBooking,
    NewBookingItem,
    Refund,
    TimeSlot,
    check_idempotency_key,
    check_request,
    check_window,
    clean_text,
)
from lebrq.domain.model.catalog import Item, Venue
from lebrq.domain.model.errors import Conflict, InvalidInput, NotFound
from lebrq.domain.model.pagination import Page, PagePosition, PageRequest
from lebrq.domain.model.pricing import DEFAULT_GST_RATE_BASIS_POINTS, gst_on, venue_charge
from lebrq.domain.model.program_schedule import local_session
from lebrq.domain.model.quotas import Quotas
from lebrq.domain.model.tax_documents import billable_booking
from lebrq.domain.services.audit import record
from lebrq.domain.services.notifications import Notifier
from lebrq.domain.services.tax_document_issuer import TaxDocumentIssuer
from lebrq.ports.clock import Clock
from lebrq.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

DEFAULT_AVAILABILITY_WINDOW = timedelta(days=7)
MAX_AVAILABILITY_WINDOW = timedelta(days=92)


class BookingPolicy(msgspec.Struct, frozen=True, gc=False):
    hold: timedelta = timedelta(minutes=30)
    gst_rate_basis_points: int = DEFAULT_GST_RATE_BASIS_POINTS


class BookingCreated(msgspec.Struct, frozen=True, gc=False):
    booking: Booking
    # True when an Idempotency-Key replay returned an earlier booking.
    replayed: bool = False


class BookingService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        issuer: TaxDocumentIssuer,
        policy: BookingPolicy | None = None,
        *,
        quotas: Quotas | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._issuer = issuer
        self.policy = policy or BookingPolicy()
        self._quotas = quotas or Quotas()
        self._notifier = notifier

    async def create(self, user_id: int, request: BookingRequest, idempotency_key: str | None = None) -> BookingCreated:
        """A pending booking holding the slot for `policy.hold`.

        With an idempotency key, a repeat of the same request by the same user returns
        the first booking (as it stands now) instead of a second one; the same key with a
        different request is a Conflict. The key is checked under the venue lock and
        backed by a unique index, so concurrent retries cannot both insert."""
        now = self._clock.now()
        key = check_idempotency_key(idempotency_key)
        request = check_request(request, now)
        fingerprint = request.fingerprint() if key else None
        slot = TimeSlot(request.start, request.end)
        async with self._uow() as uow:
            # The user's row before the venue's (the order every use case keeps): this
            # user's pending bookings are then counted one request at a time, whichever
            # venues they are for.
            await uow.users.lock(user_id)
            venue = await uow.venues.get_for_update(request.venue_id)
            if key is not None:
                earlier = await uow.bookings.get_by_idempotency_key(user_id, key)
                if earlier is not None:
                    if earlier.request_fingerprint != fingerprint:
                        raise Conflict(
                            "this Idempotency-Key was already used with a different request", field="Idempotency-Key"
                        )
                    return BookingCreated(earlier.as_of(now), replayed=True)
            if venue is None:
                raise NotFound(f"venue {request.venue_id} not found", field="venue_id")
            if self._quotas.pending_bookings_per_user:
                self._quotas.check_pending_bookings(await uow.bookings.count_pending(user_id, now))
            items = await uow.items.get_many(line.item_id for line in request.items)
            busy = await uow.bookings.busy(venue.id, slot, now)
            if busy:
                raise Conflict(
                    "the slot overlaps another booking of this venue",
                    field="start",
                    extra={"busy": [{"start": _iso(b.start), "end": _iso(b.end)} for b in busy]},
                )
            await _refuse_program_sessions(uow, venue, slot)
            booking = await uow.bookings.add(
                self._price(user_id, venue, items, request, now, idempotency_key=key, fingerprint=fingerprint)
            )
            if self._notifier is not None:
                await self._notifier.booking_received(uow, booking, now)
            await uow.commit()
        self._wake_notifier()
        return BookingCreated(booking)

    def _price(
        self,
        user_id: int,
        venue: Venue,
        items: dict[int, Item],
        request: BookingRequest,
        now: datetime,
        *,
        idempotency_key: str | None,
        fingerprint: str | None,
    ) -> NewBooking:
        lines = []
        for index, line in enumerate(request.items):
            item = items.get(line.item_id)
            if item is None:
                raise InvalidInput(f"item {line.item_id} does not exist", field=f"items[{index}].item_id")
            lines.append(
                NewBookingItem(
                    item_id=item.id,
                    name=item.name,
                    quantity=line.quantity,
                    unit_price_paise=item.price_paise,
                    amount_paise=item.price_paise * line.quantity,
                )
            )
        venue_amount = venue_charge(venue.hourly_rate_paise, TimeSlot(request.start, request.end).minutes)
        subtotal = venue_amount + sum(line.amount_paise for line in lines)
        gst = gst_on(subtotal, self.policy.gst_rate_basis_points)
        return NewBooking(
            user_id=user_id,
            venue_id=venue.id,
            start=request.start,
            end=request.end,
            notes=request.notes,
            items=tuple(lines),
            hourly_rate_paise=venue.hourly_rate_paise,
            venue_amount_paise=venue_amount,
            subtotal_paise=subtotal,
            tax_rate_basis_points=gst.rate_basis_points,
            tax_paise=gst.total_paise,
            total_paise=subtotal + gst.total_paise,
            hold_expires_at=now + self.policy.hold,
            created_at=now,
            idempotency_key=idempotency_key,
            request_fingerprint=fingerprint,
            currency=venue.currency,
        )

    async def get(self, booking_id: int, *, caller_id: int, caller_is_admin: bool = False) -> Booking:
        """The booking if the caller owns it or is an admin; NotFound otherwise."""
        async with self._uow(read_only=True) as uow:
            booking = await uow.bookings.get(booking_id)
        return _visible(booking, booking_id, caller_id, caller_is_admin).as_of(self._clock.now())

    async def cancel(
        self, booking_id: int, *, caller_id: int, caller_is_admin: bool = False, reason: str | None = None
    ) -> Booking:
        """Cancel a pending or confirmed booking. A confirmed one (it was paid) is refunded
        by the cancellation policy, with a credit note; a pending one gets nothing."""
        reason = clean_text(reason, "reason", MAX_CANCEL_REASON_LENGTH)
        now = self._clock.now()
        async with self._uow() as uow:
            stored = await uow.bookings.get_for_update(booking_id)
            current = _visible(stored, booking_id, caller_id, caller_is_admin).check_cancellable(now)
            refund = await self._refund(uow, current, now) if current.status is BookingStatus.CONFIRMED else None
            cancelled = current.cancel(now, reason, refund)
            await uow.bookings.save_state(cancelled)
            if caller_is_admin:
                await record(
                    uow,
                    at=now,
                    actor_id=caller_id,
                    action=AuditAction.BOOKING_CANCEL,
                    target_id=booking_id,
                    details={
                        "previous_status": current.status.value,
                        "reason": reason,
                        "refund_paise": refund.amount_paise if refund else None,
                        "credit_note_number": refund.credit_note_number if refund else None,
                    },
                )
            if self._notifier is not None:
                await self._notifier.booking_cancelled(uow, cancelled, now)
            await uow.commit()
        self._wake_notifier()
        return cancelled

    async def confirm(self, booking_id: int, payment_reference: str, *, actor_id: int | None = None) -> Booking:
        """Admin: a paid pending booking becomes confirmed and its tax invoice is issued in
        the same transaction. Conflict unless the booking is pending (a lapsed hold counts
        as expired)."""
        reference = clean_text(payment_reference, "payment_reference", MAX_PAYMENT_REFERENCE_LENGTH, required=True)
        now = self._clock.now()
        async with self._uow() as uow:
            stored = await uow.bookings.get_for_update(booking_id)
            if stored is None:
                raise NotFound(f"booking {booking_id} not found", field="booking_id")
            confirmed = stored.confirm(reference, now)
            user = await uow.users.get(confirmed.user_id)
            venue = await uow.venues.get(confirmed.venue_id)
            if user is None or venue is None:
                raise NotFound("the booking's user or venue no longer exists")
            invoice = await self._issuer.issue_invoice(uow, billable_booking(confirmed, user, venue), now)
            confirmed = confirmed.with_invoice(invoice.number)
            await uow.bookings.save_state(confirmed)
            await record(
                uow,
                at=now,
                actor_id=actor_id,
                action=AuditAction.BOOKING_CONFIRM,
                target_id=booking_id,
                details={"payment_reference": reference, "invoice_number": confirmed.invoice_number},
            )
            if self._notifier is not None:
                await self._notifier.booking_confirmed(uow, confirmed, now)
            await uow.commit()
        self._wake_notifier()
        return confirmed

    async def _refund(self, uow: UnitOfWork, booking: Booking, at: datetime) -> Refund | None:
        record = await self._issuer.refund_cancellation(uow, booking.id, cancelled_at=at)
        if record.credit_note_number is None:
            # Cancelled too late for any refund: nothing is credited, no credit note.
            return None
        return Refund(
            amount_paise=record.amount_paise, credit_note_number=record.credit_note_number, created_at=record.created_at
        )

    def _wake_notifier(self) -> None:
        if self._notifier is not None:
            self._notifier.wake()

    async def availability(
        self, venue_id: int, starts_from: datetime | None, ends_before: datetime | None
    ) -> list[TimeSlot]:
        """Busy slots of the venue that overlap the window [from, to). Without `from` the
        window starts now; without `to` it lasts 7 days; at most 92 days."""
        now = self._clock.now()
        check_window(starts_from, ends_before)
        start = starts_from or now
        end = ends_before or start + DEFAULT_AVAILABILITY_WINDOW
        if end <= start:
            raise InvalidInput("to must be after from", field="to")
        if end - start > MAX_AVAILABILITY_WINDOW:
            raise InvalidInput(f"the window from..to spans at most {MAX_AVAILABILITY_WINDOW.days} days", field="to")
        async with self._uow(read_only=True) as uow:
            if await uow.venues.get(venue_id) is None:
                raise NotFound(f"venue {venue_id} not found", field="venue_id")
            return await uow.bookings.busy(venue_id, TimeSlot(start, end), now)

    async def list_for_user(
        self, user_id: int, page: PageRequest, status: BookingStatus | None = None
    ) -> Page[Booking]:
        return await self.list(BookingFilter(user_id=user_id, status=status), page)

    async def list(self, filters: BookingFilter, page: PageRequest) -> Page[Booking]:
        check_window(filters.starts_from, filters.starts_before)
        now = self._clock.now()
        async with self._uow(read_only=True) as uow:
            found = await uow.bookings.list(filters, page, now)
        return msgspec.structs.replace(found, items=[booking.as_of(now) for booking in found.items])

    async def list_items(self, filters: BookingItemFilter, page: PageRequest) -> Page[BookingItem]:
        async with self._uow(read_only=True) as uow:
            return await uow.bookings.list_items(filters, page)

    def export(
        self, filters: BookingFilter, after: PagePosition | None = None
    ) -> AsyncGenerator[BookingExportRow, None]:
        """Every matching booking (after `after`, a list page's position, when given),
        streamed. Filters are checked now (so bad input is a 400 before any byte is
        sent); the connection is checked out on first iteration and held while the
        caller iterates; closing the generator (`aclose`) ends the query and returns
        the connection."""
        check_window(filters.starts_from, filters.starts_before)
        return self._export_rows(filters, after, self._clock.now())

    async def _export_rows(
        self, filters: BookingFilter, after: PagePosition | None, now: datetime
    ) -> AsyncGenerator[BookingExportRow, None]:
        async with self._uow(read_only=True) as uow:
            rows = uow.bookings.export(filters, now, after)
            try:
                async for row in rows:
                    yield row
            finally:
                await rows.aclose()

    async def expire_lapsed_holds(self) -> int:
        """The periodic sweep: writes down `expired` for holds that have lapsed, so
        stored data and reports agree with what reads already show."""
        async with self._uow() as uow:
            count = await uow.bookings.expire_lapsed_holds(self._clock.now())
            await uow.commit()
        return count


async def _refuse_program_sessions(uow: UnitOfWork, venue: Venue, slot: TimeSlot) -> None:
    """A venue booking may not cover a session of a regular program held there."""
    zone = ZoneInfo(venue.timezone)
    first_day = slot.start.astimezone(zone).date() - timedelta(days=1)
    last_day = slot.end.astimezone(zone).date()
    for program in await uow.programs.at_venue(venue.id, first_day, last_day):
        session = program.schedule(venue.timezone).first_clash(slot)
        if session is not None:
            raise Conflict(
                f"the slot overlaps a session of the regular program {program.title!r} ({local_session(session, zone)})",
                field="start",
                extra={"program_id": program.id},
            )


def _visible(booking: Booking | None, booking_id: int, caller_id: int, caller_is_admin: bool) -> Booking:
    if booking is None or not owner_or_admin(booking.user_id, caller_id, caller_is_admin):
        raise NotFound(f"booking {booking_id} not found", field="booking_id")
    return booking


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
