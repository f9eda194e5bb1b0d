"""Queues the messages customers receive, inside the transaction of the change that
causes them (`uow.outbox`), so a message exists exactly when its cause is committed.

Each method picks the recipient (the user's email when email can be sent, else their
phone when SMS can), prepares the template params for display (times in the venue's
time zone, amounts formatted as on the invoice) and adds the message to the outbox.
After the commit, the use case calls `wake()` so the dispatcher sends without waiting
for its next poll.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from lebrq.domain.model.amount_in_words import format_inr
from lebrq.domain.model.bookings import Booking
from lebrq.domain.model.catalog import DEFAULT_TIMEZONE, Venue
from lebrq.domain.model.errors import InvalidInput
from lebrq.domain.model.otp import is_phone
from lebrq.domain.model.outbox import AttachedDocument, Channel, MessageKind, NewOutboxMessage
from lebrq.domain.model.programs import Enrolment, Program
from lebrq.domain.model.tax_documents import DocumentKind
from lebrq.domain.model.users import User
from lebrq.ports.unit_of_work import UnitOfWork

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _nothing() -> None:
    return None


class Notifier:
    def __init__(self, *, channels: frozenset[Channel], seller_name: str, wake: Callable[[], None] = _nothing) -> None:
        self._channels = channels
        self._seller_name = seller_name
        self.wake = wake

    def can_reach(self, channel: Channel) -> bool:
        return channel in self._channels

    async def one_time_code(
        self, uow: UnitOfWork, destination: str, code: str, *, created_at: datetime, expires_at: datetime
    ) -> None:
        """Refuses (InvalidInput, so nothing is committed) a destination no configured
        channel reaches: a code that can never arrive would only lock the user out."""
        channel = Channel.SMS if is_phone(destination) else Channel.EMAIL
        if not self.can_reach(channel):
            what = "text messages" if channel is Channel.SMS else "email"
            raise InvalidInput(f"codes cannot be sent by {what} here; use another destination", field="destination")
        minutes = max(1, round((expires_at - created_at).total_seconds() / 60))
        await uow.outbox.add(
            NewOutboxMessage(
                kind=MessageKind.ONE_TIME_CODE,
                channel=channel,
                recipient=destination,
                params={"code": code, "valid_minutes": str(minutes), "seller_name": self._seller_name},
                created_at=created_at,
                expires_at=expires_at,
            )
        )

    async def booking_received(self, uow: UnitOfWork, booking: Booking, at: datetime) -> None:
        await self._about_booking(uow, MessageKind.BOOKING_RECEIVED, booking, at)

    async def booking_confirmed(self, uow: UnitOfWork, booking: Booking, at: datetime) -> None:
        attachment = (
            AttachedDocument(DocumentKind.TAX_INVOICE, booking.id) if booking.invoice_number is not None else None
        )
        await self._about_booking(uow, MessageKind.BOOKING_CONFIRMED, booking, at, attachment)

    async def booking_cancelled(self, uow: UnitOfWork, booking: Booking, at: datetime) -> None:
        refund = booking.refund
        attachment = None
        if refund is not None and refund.credit_note_number is not None:
            attachment = AttachedDocument(DocumentKind.CREDIT_NOTE, booking.id)
        await self._about_booking(uow, MessageKind.BOOKING_CANCELLED, booking, at, attachment)

    async def enrolment_confirmed(self, uow: UnitOfWork, enrolment: Enrolment, program: Program, at: datetime) -> None:
        await self._about_enrolment(uow, MessageKind.ENROLMENT_CONFIRMED, enrolment, program, at)

    async def enrolment_cancelled(self, uow: UnitOfWork, enrolment: Enrolment, program: Program, at: datetime) -> None:
        await self._about_enrolment(uow, MessageKind.ENROLMENT_CANCELLED, enrolment, program, at)

    async def _about_booking(
        self,
        uow: UnitOfWork,
        kind: MessageKind,
        booking: Booking,
        at: datetime,
        attachment: AttachedDocument | None = None,
    ) -> None:
        user = await uow.users.get(booking.user_id)
        venue = await uow.venues.get(booking.venue_id)
        if user is None or venue is None:
            return
        zone = ZoneInfo(venue.timezone)
        params = {
            "booking_id": str(booking.id),
            "venue": venue.name,
            "when": slot_text(booking.start, booking.end, zone),
            "total": format_inr(booking.total_paise),
            "hold_expires": local_time(booking.hold_expires_at, zone),
            "payment_reference": booking.payment_reference or "",
            "invoice_number": booking.invoice_number or "",
            "refund_text": _refund_text(booking),
        }
        await self._queue(uow, kind, user, params, at, attachment)

    async def _about_enrolment(
        self, uow: UnitOfWork, kind: MessageKind, enrolment: Enrolment, program: Program, at: datetime
    ) -> None:
        user = await uow.users.get(enrolment.user_id)
        if user is None:
            return
        venue: Venue | None = await uow.venues.get(program.venue_id)
        params = {
            "enrolment_id": str(enrolment.id),
            "program": program.title,
            "venue": venue.name if venue is not None else "",
            "schedule": schedule_text(program, venue.timezone if venue is not None else DEFAULT_TIMEZONE),
            "fee": format_inr(enrolment.fee_paise),
        }
        await self._queue(uow, kind, user, params, at)

    async def _queue(
        self,
        uow: UnitOfWork,
        kind: MessageKind,
        user: User,
        params: dict[str, str],
        at: datetime,
        attachment: AttachedDocument | None = None,
    ) -> None:
        address = self._address_of(user)
        if address is None:
            # No channel reaches this user (e.g. phone only, no SMS configured): the
            # change still happens; the app shows it.
            return
        channel, recipient = address
        await uow.outbox.add(
            NewOutboxMessage(
                kind=kind,
                channel=channel,
                recipient=recipient,
                params={**params, "name": user.name, "seller_name": self._seller_name},
                created_at=at,
                attachment=attachment,
            )
        )

    def _address_of(self, user: User) -> tuple[Channel, str] | None:
        if user.email and self.can_reach(Channel.EMAIL):
            return Channel.EMAIL, user.email
        if user.phone and self.can_reach(Channel.SMS):
            return Channel.SMS, user.phone
        return None


def local_time(moment: datetime, zone: ZoneInfo) -> str:
    """`Tue 01 Dec 2026, 10:00 IST`"""
    return moment.astimezone(zone).strftime("%a %d %b %Y, %H:%M %Z")


def slot_text(start: datetime, end: datetime, zone: ZoneInfo) -> str:
    """`Tue 01 Dec 2026, 10:00-13:00 IST` (the end's date too when it is another day)."""
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    end_format = "%H:%M %Z" if local_end.date() == local_start.date() else "%a %d %b %Y, %H:%M %Z"
    return f"{local_start:%a %d %b %Y, %H:%M}-{local_end.strftime(end_format)}"


def schedule_text(program: Program, timezone: str) -> str:
    """`Mon, Wed at 18:00 (60 min, Asia/Kolkata), 01 Dec 2026 to 31 Mar 2027`"""
    days = ", ".join(_WEEKDAYS[day] for day in sorted(program.weekdays))
    return (
        f"{days} at {program.start_time:%H:%M} ({program.duration_minutes} min, {timezone}), "
        f"{program.starts_on:%d %b %Y} to {program.ends_on:%d %b %Y}"
    )


def _refund_text(booking: Booking) -> str:
    refund = booking.refund
    if refund is not None:
        note = f", credit note {refund.credit_note_number} attached" if refund.credit_note_number else ""
        return f"Refund: Rs. {format_inr(refund.amount_paise)}{note}."
    if booking.invoice_number is not None:
        return "No refund is due under the cancellation policy."
    return "No payment was taken for this booking."
