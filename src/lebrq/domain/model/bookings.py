"""Bookings of a venue slot: what a booking is, its statuses, and the rules a new one
must pass (slot shape, items, notes). The use cases live in `booking_service`.

Slot rule: start and end are whole half-hours (minute 0 or 30, no seconds) in UTC,
which are also whole half-hours in India (UTC+05:30); end is after start; start is in
the future; a booking lasts at most 24 hours. Two active bookings of one venue overlap
when `a.start < b.end and b.start < a.end`: touching slots (one ends when the next
starts) do not overlap.
"""

from __future__ import annotations

import enum
import hashlib
import re
from datetime import datetime, timedelta
from typing import Literal, overload

import msgspec

from lebrq.domain.model.catalog import CURRENCY
from lebrq.domain.model.errors import Conflict, InvalidInput

SLOT_STEP = timedelta(minutes=30)
MAX_DURATION = timedelta(hours=24)
MAX_ITEM_LINES = 50
MAX_QUANTITY = 10_000
MAX_NOTES_LENGTH = 2000
MAX_IDEMPOTENCY_KEY_LENGTH = 255
# Printable ASCII, no space at either end (HTTP strips those anyway); the OpenAPI document
# states the same pattern, so a client can check a key before sending it.
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]([ -~]*[!-~])?$"
_IDEMPOTENCY_KEY = re.compile(IDEMPOTENCY_KEY_PATTERN)
MAX_PAYMENT_REFERENCE_LENGTH = 100
MAX_CANCEL_REASON_LENGTH = 500


class BookingStatus(str, enum.Enum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


# Statuses that hold the slot. A pending booking only holds it until its hold expires.
ACTIVE_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)


class HoldLapse(msgspec.Struct, frozen=True, gc=False):
    """When a booking's hold has lapsed: its status is `status` and the moment in its
    field `deadline` is at or before now. Written once, here: `Booking.hold_lapsed`
    applies it to a booking, and the SQL adapter builds its WHERE clauses from it."""

    status: BookingStatus
    deadline: str

    def applies(self, status: BookingStatus, deadline: datetime, now: datetime) -> bool:
        return status is self.status and deadline <= now


# A pending booking whose hold has passed reads as expired, even before the sweep.
LAPSED_HOLD = HoldLapse(status=BookingStatus.PENDING, deadline="hold_expires_at")


class TimeSlot(msgspec.Struct, frozen=True, gc=False):
    start: datetime
    end: datetime

    def overlaps(self, other: TimeSlot) -> bool:
        return self.start < other.end and other.start < self.end

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


class BookingItem(msgspec.Struct, frozen=True, gc=False):
    """A line of a booking; name and unit price are copied from the item when booked,
    so later catalog edits never change a booking."""

    id: int
    booking_id: int
    item_id: int
    name: str
    quantity: int
    unit_price_paise: int
    amount_paise: int


class NewBookingItem(msgspec.Struct, frozen=True, gc=False):
    item_id: int
    name: str
    quantity: int
    unit_price_paise: int
    amount_paise: int


class Refund(msgspec.Struct, frozen=True, gc=False):
    """Money returned for a cancelled confirmed booking, with its credit note number."""

    amount_paise: int
    credit_note_number: str
    created_at: datetime


class Booking(msgspec.Struct, frozen=True, gc=False):
    id: int
    user_id: int
    venue_id: int
    start: datetime
    end: datetime
    status: BookingStatus
    notes: str | None
    items: tuple[BookingItem, ...]
    # The venue line: hourly rate snapshot x duration.
    hourly_rate_paise: int
    venue_amount_paise: int
    subtotal_paise: int
    tax_rate_basis_points: int
    tax_paise: int
    total_paise: int
    hold_expires_at: datetime
    created_at: datetime
    updated_at: datetime
    currency: str = CURRENCY
    idempotency_key: str | None = None
    request_fingerprint: str | None = None
    payment_reference: str | None = None
    confirmed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    # Filled by the invoicing use case when the booking is confirmed.
    invoice_number: str | None = None
    # Filled by the refund use case when a confirmed booking is cancelled.
    refund: Refund | None = None

    @property
    def slot(self) -> TimeSlot:
        return TimeSlot(self.start, self.end)

    def hold_lapsed(self, now: datetime) -> bool:
        return LAPSED_HOLD.applies(self.status, getattr(self, LAPSED_HOLD.deadline), now)

    def holds_slot(self, now: datetime) -> bool:
        """Confirmed, or pending with the hold still running."""
        return self.status in ACTIVE_STATUSES and not self.hold_lapsed(now)

    def as_of(self, now: datetime) -> Booking:
        """The booking as it stands at `now`: a pending booking whose hold has passed is
        expired even before the sweep has written that down (lazy expiry on read)."""
        return self.expire() if self.hold_lapsed(now) else self

    def expire(self) -> Booking:
        """A pending booking whose hold ran out; it expired when the hold ended."""
        if self.status is not BookingStatus.PENDING:
            raise Conflict(f"booking {self.id} is {self.status.value}; only a pending booking expires", field="status")
        return msgspec.structs.replace(self, status=BookingStatus.EXPIRED, updated_at=self.hold_expires_at)

    def confirm(self, payment_reference: str, now: datetime) -> Booking:
        """Paid: a pending booking (hold still running) becomes confirmed."""
        current = self.as_of(now)
        if current.status is not BookingStatus.PENDING:
            raise Conflict(
                f"booking {self.id} is {current.status.value}; only a pending booking can be confirmed",
                field="status",
            )
        return msgspec.structs.replace(
            current,
            status=BookingStatus.CONFIRMED,
            payment_reference=payment_reference,
            confirmed_at=now,
            updated_at=now,
        )

    def with_invoice(self, invoice_number: str | None) -> Booking:
        return msgspec.structs.replace(self, invoice_number=invoice_number)

    def check_cancellable(self, now: datetime) -> Booking:
        """The booking as of `now` if it may be cancelled (pending or confirmed)."""
        current = self.as_of(now)
        if current.status not in ACTIVE_STATUSES:
            raise Conflict(f"booking {self.id} is already {current.status.value}", field="status")
        return current

    def cancel(self, now: datetime, reason: str | None, refund: Refund | None = None) -> Booking:
        """Cancelled at `now`; only a confirmed booking (it was paid) can carry a refund."""
        current = self.check_cancellable(now)
        if refund is not None and current.status is not BookingStatus.CONFIRMED:
            raise Conflict(f"booking {self.id} was never paid; nothing can be refunded", field="status")
        return msgspec.structs.replace(
            current,
            status=BookingStatus.CANCELLED,
            cancelled_at=now,
            cancel_reason=reason,
            refund=refund,
            updated_at=now,
        )


class NewBooking(msgspec.Struct, frozen=True, gc=False):
    user_id: int
    venue_id: int
    start: datetime
    end: datetime
    notes: str | None
    items: tuple[NewBookingItem, ...]
    hourly_rate_paise: int
    venue_amount_paise: int
    subtotal_paise: int
    tax_rate_basis_points: int
    tax_paise: int
    total_paise: int
    hold_expires_at: datetime
    created_at: datetime
    idempotency_key: str | None
    request_fingerprint: str | None
    status: BookingStatus = BookingStatus.PENDING
    currency: str = CURRENCY


class ItemRequest(msgspec.Struct, frozen=True, gc=False):
    item_id: int
    quantity: int


class BookingRequest(msgspec.Struct, frozen=True, gc=False):
    """What a user asks for; checked by `check_request` before anything is read."""

    venue_id: int
    start: datetime
    end: datetime
    items: tuple[ItemRequest, ...] = ()
    notes: str | None = None

    def fingerprint(self) -> str:
        """Identifies the request body for Idempotency-Key replays; item order and
        surrounding white space in notes do not change it."""
        canonical = msgspec.structs.replace(
            self, items=tuple(sorted(self.items, key=lambda line: line.item_id)), notes=clean_notes(self.notes)
        )
        return hashlib.sha256(msgspec.json.encode(canonical)).hexdigest()


class BookingFilter(msgspec.Struct, frozen=True, gc=False):
    """Filters of the booking lists; `starts_from`/`starts_before` bound the slot start."""

    user_id: int | None = None
    status: BookingStatus | None = None
    venue_id: int | None = None
    starts_from: datetime | None = None
    starts_before: datetime | None = None


class BookingItemFilter(msgspec.Struct, frozen=True, gc=False):
    booking_id: int | None = None
    item_id: int | None = None


class BookingExportRow(msgspec.Struct, frozen=True, gc=False, array_like=True):
    """One line of the admin CSV export."""

    id: int
    user_id: int
    user_email: str | None
    venue_id: int
    venue_name: str
    start: datetime
    end: datetime
    status: BookingStatus
    subtotal_paise: int
    tax_paise: int
    total_paise: int
    currency: str
    invoice_number: str | None
    payment_reference: str | None
    notes: str | None
    created_at: datetime


def check_request(request: BookingRequest, now: datetime) -> BookingRequest:
    """The request with notes cleaned, or InvalidInput naming the first bad field."""
    check_slot(TimeSlot(request.start, request.end), now)
    if len(request.items) > MAX_ITEM_LINES:
        raise InvalidInput(f"a booking has at most {MAX_ITEM_LINES} item lines", field="items")
    seen: set[int] = set()
    for index, line in enumerate(request.items):
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise InvalidInput(
                f"quantity must be an integer from 1 to {MAX_QUANTITY}", field=f"items[{index}].quantity"
            )
        if line.item_id in seen:
            raise InvalidInput(
                f"item {line.item_id} is listed twice; give one line with the total quantity",
                field=f"items[{index}].item_id",
            )
        seen.add(line.item_id)
    return msgspec.structs.replace(request, notes=clean_notes(request.notes))


def check_slot(slot: TimeSlot, now: datetime) -> None:
    for field, moment in (("start", slot.start), ("end", slot.end)):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise InvalidInput(f"{field} must include a time-zone offset, e.g. 2026-12-01T10:00:00Z", field=field)
    if slot.end <= slot.start:
        raise InvalidInput("end must be after start", field="end")
    if slot.start <= now:
        raise InvalidInput("start must be in the future", field="start")
    for field, moment in (("start", slot.start), ("end", slot.end)):
        if moment.second or moment.microsecond or moment.minute % 30:
            raise InvalidInput(f"{field} must be on a whole half-hour (minute 0 or 30)", field=field)
    if slot.end - slot.start > MAX_DURATION:
        raise InvalidInput("a booking lasts at most 24 hours", field="end")


def check_window(starts_from: datetime | None, starts_before: datetime | None) -> None:
    """A query window: aware datetimes, `to` after `from`."""
    for field, moment in (("from", starts_from), ("to", starts_before)):
        if moment is not None and moment.utcoffset() is None:
            raise InvalidInput(f"{field} must include a time-zone offset, e.g. 2026-12-01T10:00:00Z", field=field)
    if starts_from is not None and starts_before is not None and starts_before <= starts_from:
        raise InvalidInput("to must be after from", field="to")


def clean_notes(notes: str | None) -> str | None:
    if notes is None:
        return None
    notes = notes.strip()
    if len(notes) > MAX_NOTES_LENGTH:
        raise InvalidInput(f"notes must have at most {MAX_NOTES_LENGTH} characters", field="notes")
    return notes or None


@overload
def clean_text(value: str | None, field: str, max_length: int, *, required: Literal[True]) -> str: ...


@overload
def clean_text(value: str | None, field: str, max_length: int, *, required: bool = False) -> str | None: ...


def clean_text(value: str | None, field: str, max_length: int, *, required: bool = False) -> str | None:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"{field} is required", field=field)
    if len(value) > max_length:
        raise InvalidInput(f"{field} must have at most {max_length} characters", field=field)
    return value or None


def check_idempotency_key(key: str | None) -> str | None:
    if key is None:
        return None
    key = key.strip()
    if len(key) > MAX_IDEMPOTENCY_KEY_LENGTH or not _IDEMPOTENCY_KEY.fullmatch(key):
        raise InvalidInput(
            f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters",
            field="Idempotency-Key",
        )
    return key
