"""The booking and enrolment entities own their state changes and refuse the wrong ones."""

from __future__ import annotations

from datetime import timedelta

import pytest
from polyfactory.factories.msgspec_factory import MsgspecFactory

from lebrq.domain.model.access import owner_or_admin
from lebrq.domain.model.bookings import Booking, BookingStatus, Refund
from lebrq.domain.model.errors import Conflict
from lebrq.domain.model.programs import Enrolment, EnrolmentStatus
from tests.support.booking_factories import NOW, TOMORROW_10

HOLD_ENDS = NOW + timedelta(minutes=30)


class BookingFactory(MsgspecFactory[Booking]):
    status = BookingStatus.PENDING
    start = TOMORROW_10
    end = TOMORROW_10 + timedelta(hours=1)
    hold_expires_at = HOLD_ENDS
    created_at = NOW
    updated_at = NOW
    refund = None
    items = ()


def test_a_pending_booking_with_its_hold_running_confirms() -> None:
    confirmed = BookingFactory.build().confirm("UTR-1", NOW)
    assert (confirmed.status, confirmed.payment_reference, confirmed.confirmed_at, confirmed.updated_at) == (
        BookingStatus.CONFIRMED,
        "UTR-1",
        NOW,
        NOW,
    )


def test_the_hold_lapses_at_its_deadline_exactly() -> None:
    booking = BookingFactory.build()
    assert booking.holds_slot(HOLD_ENDS - timedelta(microseconds=1))
    assert booking.hold_lapsed(HOLD_ENDS) and not booking.holds_slot(HOLD_ENDS)
    assert booking.as_of(HOLD_ENDS).status is BookingStatus.EXPIRED
    assert booking.as_of(HOLD_ENDS).updated_at == HOLD_ENDS
    with pytest.raises(Conflict, match="is expired; only a pending booking can be confirmed"):
        booking.confirm("UTR-1", HOLD_ENDS)


@pytest.mark.parametrize("status", [BookingStatus.CONFIRMED, BookingStatus.CANCELLED, BookingStatus.EXPIRED])
def test_only_a_pending_booking_confirms_or_expires(status: BookingStatus) -> None:
    booking = BookingFactory.build(status=status)
    with pytest.raises(Conflict):
        booking.confirm("UTR-1", NOW)
    with pytest.raises(Conflict):
        booking.expire()


def test_a_confirmed_booking_keeps_its_slot_after_the_hold_time() -> None:
    confirmed = BookingFactory.build().confirm("UTR-1", NOW)
    assert confirmed.holds_slot(HOLD_ENDS + timedelta(days=1))


def test_cancelling_records_when_and_why_and_carries_a_refund_only_when_paid() -> None:
    refund = Refund(amount_paise=500, credit_note_number="CN/1", created_at=NOW)
    pending = BookingFactory.build()
    with pytest.raises(Conflict, match="never paid"):
        pending.cancel(NOW, "changed plans", refund)
    cancelled = pending.cancel(NOW, "changed plans")
    assert (cancelled.status, cancelled.cancelled_at, cancelled.cancel_reason, cancelled.refund) == (
        BookingStatus.CANCELLED,
        NOW,
        "changed plans",
        None,
    )
    refunded = pending.confirm("UTR-1", NOW).cancel(NOW, None, refund)
    assert refunded.refund == refund
    with pytest.raises(Conflict, match="already cancelled"):
        cancelled.cancel(NOW, None)
    with pytest.raises(Conflict, match="already expired"):
        pending.cancel(HOLD_ENDS, None)


def test_an_enrolment_is_cancelled_once() -> None:
    enrolment = Enrolment(
        id=1, program_id=2, user_id=3, status=EnrolmentStatus.ENROLLED, fee_paise=100, created_at=NOW, updated_at=NOW
    )
    later = NOW + timedelta(hours=1)
    cancelled = enrolment.cancel(later)
    assert (cancelled.status, cancelled.updated_at) == (EnrolmentStatus.CANCELLED, later)
    with pytest.raises(Conflict, match="already cancelled"):
        cancelled.cancel(later)


def test_the_owner_or_an_admin_may_see_and_nobody_else() -> None:
    assert owner_or_admin(7, caller_id=7, caller_is_admin=False)
    assert owner_or_admin(7, caller_id=8, caller_is_admin=True)
    assert not owner_or_admin(7, caller_id=8, caller_is_admin=False)
    assert not owner_or_admin(None, caller_id=None, caller_is_admin=False)
