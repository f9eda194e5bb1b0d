"""SQL repository for bookings and their item lines (SQLAlchemy Core, explicit columns).

A list page costs two queries whatever its size: the page of bookings with the total
riding along (see `paging.fetch_page`), and their item lines (`booking_id IN (...)`).
"""

from __future__ import annotations

import builtins
from collections import defaultdict
from collections.abc import AsyncGenerator, Sequence
from datetime import datetime
from typing import Any

import anyio
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from lebrq.adapters.sql.paging import after_position, fetch_page
from lebrq.adapters.sql.rows import AnyRow, Part, StructColumns, inserted_id
from lebrq.adapters.sql.tables.bookings import booking_items, bookings
from lebrq.adapters.sql.tables.catalog import venues
from lebrq.adapters.sql.tables.users import users
from lebrq.domain.model.bookings import (
    ACTIVE_STATUSES,
    LAPSED_HOLD,
    MAX_DURATION,
    Booking,
    BookingExportRow,
    BookingFilter,
    BookingItem,
    BookingItemFilter,
    BookingStatus,
    NewBooking,
    Refund,
    TimeSlot,
)
from lebrq.domain.model.errors import Conflict
from lebrq.domain.model.pagination import Page, PagePosition, PageRequest

# Rows fetched per round trip by the export's server-side cursor: big enough to keep the
# network busy, small enough that a batch is a few hundred KiB.
EXPORT_BATCH_ROWS = 500

_STATUS_OF = {status.value: status for status in BookingStatus}

# The refund is three columns of the booking row; a booking without a credit note has
# none (they are NULL).
_REFUND = StructColumns(
    Refund,
    {
        "amount_paise": bookings.c.refund_amount_paise,
        "credit_note_number": bookings.c.credit_note_number,
        "created_at": bookings.c.refunded_at,
    },
)
# A booking's fields and the columns that store them: the SELECT list and the mapping
# back, by name (rows.StructColumns).
_BOOKING = StructColumns(
    Booking,
    {
        "id": bookings.c.id,
        "user_id": bookings.c.user_id,
        "venue_id": bookings.c.venue_id,
        "start": bookings.c.start_at,
        "end": bookings.c.end_at,
        "status": bookings.c.status,
        "notes": bookings.c.notes,
        "hourly_rate_paise": bookings.c.hourly_rate_paise,
        "venue_amount_paise": bookings.c.venue_amount_paise,
        "subtotal_paise": bookings.c.subtotal_paise,
        "tax_rate_basis_points": bookings.c.tax_rate_basis_points,
        "tax_paise": bookings.c.tax_paise,
        "total_paise": bookings.c.total_paise,
        "currency": bookings.c.currency,
        "hold_expires_at": bookings.c.hold_expires_at,
        "idempotency_key": bookings.c.idempotency_key,
        "request_fingerprint": bookings.c.request_fingerprint,
        "payment_reference": bookings.c.payment_reference,
        "confirmed_at": bookings.c.confirmed_at,
        "cancelled_at": bookings.c.cancelled_at,
        "cancel_reason": bookings.c.cancel_reason,
        "invoice_number": bookings.c.invoice_number,
        "created_at": bookings.c.created_at,
        "updated_at": bookings.c.updated_at,
    },
    convert={"status": _STATUS_OF.__getitem__},
    parts={"refund": Part(_REFUND, present="credit_note_number")},
    computed=("items",),
)
# Found by name once; reading it by position per row saves a Row attribute lookup.
_ID_AT = _BOOKING.position("id")
_LINE = StructColumns.same_named(BookingItem, booking_items)
_SLOT = StructColumns(TimeSlot, {"start": bookings.c.start_at, "end": bookings.c.end_at})
# A line of the CSV export: the booking with its user's email and its venue's name. The
# status is the one reads show (a lapsed hold is expired), computed in the query from
# `now`, so it follows the declared columns.
_EXPORT_ROW = StructColumns(
    BookingExportRow,
    {
        "id": bookings.c.id,
        "user_id": bookings.c.user_id,
        "user_email": users.c.email,
        "venue_id": bookings.c.venue_id,
        "venue_name": venues.c.name,
        "start": bookings.c.start_at,
        "end": bookings.c.end_at,
        "subtotal_paise": bookings.c.subtotal_paise,
        "tax_paise": bookings.c.tax_paise,
        "total_paise": bookings.c.total_paise,
        "currency": bookings.c.currency,
        "invoice_number": bookings.c.invoice_number,
        "payment_reference": bookings.c.payment_reference,
        "notes": bookings.c.notes,
        "created_at": bookings.c.created_at,
    },
    computed=("status",),
)
_EXPORT_STATUS_AT = len(_EXPORT_ROW.select)
_SORT_KEY = (bookings.c.created_at, bookings.c.id)  # newest first: descending
# Built once: the ids travel as one expanding parameter, so a page pays neither building
# the statement nor coercing 50 ids nor computing its cache key.
_LINES_OF_BOOKINGS = (
    sa.select(*_LINE.select)
    .where(booking_items.c.booking_id.in_(sa.bindparam("booking_ids", expanding=True)))
    .order_by(booking_items.c.booking_id, booking_items.c.id)
)


def _booking(row: AnyRow, lines: Sequence[BookingItem]) -> Booking:
    return _BOOKING.read(row, items=tuple(lines))


# The domain's one definition of a lapsed hold (LAPSED_HOLD), in SQL.
_HOLD_DEADLINE = bookings.c[LAPSED_HOLD.deadline]


def _lapsed_hold(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(bookings.c.status == LAPSED_HOLD.status.value, now >= _HOLD_DEADLINE)


def _hold_running(now: datetime) -> sa.ColumnElement[bool]:
    """NOT _lapsed_hold(now), spelt out so that an index on status still serves it."""
    return sa.or_(bookings.c.status != LAPSED_HOLD.status.value, now < _HOLD_DEADLINE)


def _holds_slot(now: datetime) -> sa.ColumnElement[bool]:
    """Booking.holds_slot: an active status and no lapsed hold. The IN list lets the
    (venue_id, status, start_at) index serve it as two ranges."""
    return sa.and_(bookings.c.status.in_([status.value for status in ACTIVE_STATUSES]), _hold_running(now))


def _status_is(status: BookingStatus, now: datetime) -> sa.ColumnElement[bool]:
    """The status as reads show it (Booking.as_of): a lapsed hold is expired even before the sweep."""
    same: sa.ColumnElement[bool] = bookings.c.status == status.value
    if status is LAPSED_HOLD.status:
        return sa.and_(same, _hold_running(now))
    if status is BookingStatus.EXPIRED:
        return sa.or_(same, _lapsed_hold(now))
    return same


def _conditions(filters: BookingFilter, now: datetime) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if filters.user_id is not None:
        conditions.append(bookings.c.user_id == filters.user_id)
    if filters.venue_id is not None:
        conditions.append(bookings.c.venue_id == filters.venue_id)
    if filters.status is not None:
        conditions.append(_status_is(filters.status, now))
    if filters.starts_from is not None:
        conditions.append(bookings.c.start_at >= filters.starts_from)
    if filters.starts_before is not None:
        conditions.append(bookings.c.start_at < filters.starts_before)
    return conditions


class SqlBookingRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, booking: NewBooking) -> Booking:
        values = {
            "user_id": booking.user_id,
            "venue_id": booking.venue_id,
            "start_at": booking.start,
            "end_at": booking.end,
            "status": booking.status.value,
            "notes": booking.notes,
            "hourly_rate_paise": booking.hourly_rate_paise,
            "venue_amount_paise": booking.venue_amount_paise,
            "subtotal_paise": booking.subtotal_paise,
            "tax_rate_basis_points": booking.tax_rate_basis_points,
            "tax_paise": booking.tax_paise,
            "total_paise": booking.total_paise,
            "currency": booking.currency,
            "hold_expires_at": booking.hold_expires_at,
            "idempotency_key": booking.idempotency_key,
            "request_fingerprint": booking.request_fingerprint,
            "created_at": booking.created_at,
            "updated_at": booking.created_at,
        }
        try:
            result = await self._connection.execute(sa.insert(bookings).values(**values))
        except IntegrityError as exc:
            if "idempotency_key" not in str(exc.orig):
                raise
            raise Conflict("this Idempotency-Key was already used", field="Idempotency-Key") from None
        booking_id = inserted_id(result)
        if booking.items:
            await self._connection.execute(
                sa.insert(booking_items),
                [
                    {
                        "booking_id": booking_id,
                        "item_id": line.item_id,
                        "name": line.name,
                        "quantity": line.quantity,
                        "unit_price_paise": line.unit_price_paise,
                        "amount_paise": line.amount_paise,
                    }
                    for line in booking.items
                ],
            )
        stored = await self.get(booking_id)
        assert stored is not None
        return stored

    async def get(self, booking_id: int) -> Booking | None:
        return await self._one(sa.select(*_BOOKING.select).where(bookings.c.id == booking_id))

    async def get_for_update(self, booking_id: int) -> Booking | None:
        return await self._one(sa.select(*_BOOKING.select).where(bookings.c.id == booking_id).with_for_update())

    async def get_by_idempotency_key(self, user_id: int, key: str) -> Booking | None:
        return await self._one(
            sa.select(*_BOOKING.select).where(bookings.c.user_id == user_id, bookings.c.idempotency_key == key)
        )

    async def busy(self, venue_id: int, window: TimeSlot, now: datetime) -> list[TimeSlot]:
        query = (
            sa.select(*_SLOT.select)
            .where(
                bookings.c.venue_id == venue_id,
                _holds_slot(now),
                # No booking is longer than MAX_DURATION, so this bounds the index range.
                bookings.c.start_at > window.start - MAX_DURATION,
                bookings.c.start_at < window.end,
                bookings.c.end_at > window.start,
            )
            .order_by(bookings.c.start_at)
        )
        return [_SLOT.read(row) for row in await self._connection.execute(query)]

    async def count_pending(self, user_id: int, now: datetime) -> int:
        query = sa.select(sa.func.count()).where(bookings.c.user_id == user_id, _status_is(BookingStatus.PENDING, now))
        return int((await self._connection.execute(query)).scalar_one())

    async def save_state(self, booking: Booking) -> None:
        refund = booking.refund
        await self._connection.execute(
            sa.update(bookings)
            .where(bookings.c.id == booking.id)
            .values(
                status=booking.status.value,
                payment_reference=booking.payment_reference,
                confirmed_at=booking.confirmed_at,
                cancelled_at=booking.cancelled_at,
                cancel_reason=booking.cancel_reason,
                invoice_number=booking.invoice_number,
                refund_amount_paise=None if refund is None else refund.amount_paise,
                credit_note_number=None if refund is None else refund.credit_note_number,
                refunded_at=None if refund is None else refund.created_at,
                updated_at=booking.updated_at,
            )
        )

    async def expire_lapsed_holds(self, now: datetime) -> int:
        result = await self._connection.execute(
            sa.update(bookings)
            .where(_lapsed_hold(now))
            # As Booking.expire: it expired when the hold ended.
            .values(status=BookingStatus.EXPIRED.value, updated_at=_HOLD_DEADLINE)
        )
        return int(result.rowcount)

    async def list(self, filters: BookingFilter, page: PageRequest, now: datetime) -> Page[Booking]:
        found = await fetch_page(
            self._connection, _BOOKING.select, bookings, _conditions(filters, now), _SORT_KEY, page
        )
        return Page(items=await self._with_lines(found.rows), total=found.total, request=page, next=found.next)

    async def list_items(self, filters: BookingItemFilter, page: PageRequest) -> Page[BookingItem]:
        conditions = []
        if filters.booking_id is not None:
            conditions.append(booking_items.c.booking_id == filters.booking_id)
        if filters.item_id is not None:
            conditions.append(booking_items.c.item_id == filters.item_id)
        found = await fetch_page(self._connection, _LINE.select, booking_items, conditions, (booking_items.c.id,), page)
        return Page(items=[_LINE.read(row) for row in found.rows], total=found.total, request=page, next=found.next)

    async def export(
        self, filters: BookingFilter, now: datetime, after: PagePosition | None = None
    ) -> AsyncGenerator[BookingExportRow, None]:
        status = sa.case((_lapsed_hold(now), BookingStatus.EXPIRED.value), else_=bookings.c.status)
        query = (
            sa.select(*_EXPORT_ROW.select, status)
            .select_from(
                bookings.join(users, users.c.id == bookings.c.user_id).join(venues, venues.c.id == bookings.c.venue_id)
            )
            .where(*_conditions(filters, now), *(() if after is None else (after_position(_SORT_KEY, after),)))
            .order_by(*(column.desc() for column in _SORT_KEY))
            .execution_options(yield_per=EXPORT_BATCH_ROWS)
        )
        # A server-side cursor (MySQL: unbuffered SSCursor): rows arrive batch by batch.
        result = await self._connection.stream(query)
        throttle = await _ReadThrottle.of(self._connection)
        batches = result.partitions()
        finished = False
        try:
            while True:
                throttle.resume()
                batch = await anext(batches, None)
                # While the rows wait for a slow client, the server must wait too.
                throttle.pause()
                if batch is None:
                    break
                for row in batch:
                    yield _EXPORT_ROW.read(row, status=_STATUS_OF[row[_EXPORT_STATUS_AT]])
            finished = True
        finally:
            # Shielded: a disconnecting client cancels the task that iterates us.
            with anyio.CancelScope(shield=True):
                throttle.resume()
                if finished:
                    await result.close()
                else:
                    # Closing an unfinished unbuffered cursor would read every remaining row
                    # to drain it; dropping the connection stops the query at once instead.
                    await self._connection.invalidate()

    async def _one(self, query: sa.Select[Any]) -> Booking | None:
        row = (await self._connection.execute(query)).first()
        if row is None:
            return None
        return (await self._with_lines([row]))[0]

    async def _with_lines(self, rows: Sequence[AnyRow]) -> builtins.list[Booking]:
        if not rows:
            return []
        lines: dict[int, builtins.list[BookingItem]] = defaultdict(builtins.list)
        found = await self._connection.execute(_LINES_OF_BOOKINGS, {"booking_ids": [row[_ID_AT] for row in rows]})
        for row in found:
            line = _LINE.read(row)
            lines[line.booking_id].append(line)
        return [_booking(row, lines[row[_ID_AT]]) for row in rows]


class _ReadThrottle:
    """Flow control for a streamed MySQL result. asyncmy (0.2.18) reads from the socket
    whenever bytes arrive, into one receive buffer that grows without limit: with an
    unbuffered cursor and a client slower than the database, the whole result would pile
    up in that buffer. Pausing the transport between batches lets TCP hold the server
    back instead. On other drivers (aiosqlite) this does nothing."""

    def __init__(self, transport: Any) -> None:
        self._transport = transport

    @classmethod
    async def of(cls, connection: AsyncConnection) -> _ReadThrottle:
        raw = await connection.get_raw_connection()
        transport = getattr(raw.driver_connection, "_transport", None)
        usable = all(hasattr(transport, name) for name in ("pause_reading", "resume_reading", "is_reading"))
        return cls(transport if usable else None)

    def pause(self) -> None:
        if self._transport is not None and not self._transport.is_closing() and self._transport.is_reading():
            self._transport.pause_reading()

    def resume(self) -> None:
        if self._transport is not None and not self._transport.is_closing() and not self._transport.is_reading():
            self._transport.resume_reading()
