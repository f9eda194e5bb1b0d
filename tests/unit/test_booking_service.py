"""Booking use cases on in-memory adapters with a hand-moved clock: slot rules, pricing
snapshots, overlap edges, hold expiry, idempotency, cancel, and confirm with its invoice
and refund in the same transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec
import pytest

from lebrq.adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from lebrq.adapters.system.clock import FixedClock
from lebrq.domain.model.bookings import BookingFilter, BookingStatus, Refund, TimeSlot
from lebrq.domain.model.cancellation import CancellationPolicy
from lebrq.domain.model.catalog import ItemFields, VenueFields
from lebrq.domain.model.document_numbers import NumberFormat
from lebrq.domain.model.errors import Conflict, InvalidInput, NotFound
from lebrq.domain.model.pagination import PageRequest
from lebrq.domain.model.tax_documents import BillableBooking, DocumentKind, IssuedDocument
from lebrq.domain.services.bookings import BookingPolicy, BookingService
from lebrq.domain.services.catalog import CatalogService
from lebrq.domain.services.tax_document_issuer import TaxDocumentIssuer
from lebrq.ports.unit_of_work import UnitOfWork
from tests.support.booking_factories import (
    NOW,
    TOMORROW_10,
    ItemFieldsFactory,
    NewUserFactory,
    VenueFieldsFactory,
    booking_request,
    slot,
)
from tests.support.invoicing import SELLER, make_issuer

pytestmark = pytest.mark.anyio


class World:
    def __init__(self, issuer: TaxDocumentIssuer | None = None) -> None:
        self.clock = FixedClock(NOW)
        self.uow = MemoryUnitOfWorkFactory()
        self.catalog = CatalogService(self.uow, self.clock)
        self.bookings = BookingService(
            self.uow, self.clock, issuer or make_issuer(), BookingPolicy(hold=timedelta(minutes=30))
        )

    async def user(self) -> int:
        async with self.uow() as uow:
            user = await uow.users.add(NewUserFactory.build())
            await uow.commit()
        return user.id

    async def venue(self, **fields: object) -> int:
        return (await self.catalog.create_venue(VenueFieldsFactory.build(**fields))).id

    async def item(self, **fields: object) -> int:
        return (await self.catalog.create_item(ItemFieldsFactory.build(**fields))).id


@pytest.fixture
async def world() -> World:
    return World()


async def test_price_is_rate_times_hours_plus_item_lines_with_gst(world: World) -> None:
    user, venue = await world.user(), await world.venue(hourly_rate_paise=100_001)
    chairs = await world.item(name="Chair", price_paise=2_500)
    created = await world.bookings.create(user, booking_request(venue, {chairs: 3}, **slot(10, 11.5)))
    booking = created.booking
    assert booking.status is BookingStatus.PENDING
    assert booking.venue_amount_paise == 150_002  # 100,001 x 1.5 h = 150,001.5 -> half up
    assert [(line.name, line.quantity, line.unit_price_paise, line.amount_paise) for line in booking.items] == [
        ("Chair", 3, 2_500, 7_500)
    ]
    assert booking.subtotal_paise == 157_502
    assert booking.tax_paise == 28_350  # two halves of 14,175.18 -> 14,175
    assert booking.total_paise == 185_852
    assert booking.hold_expires_at == NOW + timedelta(minutes=30)


async def test_item_names_and_prices_are_snapshots(world: World) -> None:
    user, venue, item = await world.user(), await world.venue(), await world.item(name="Projector", price_paise=9_900)
    booking = (await world.bookings.create(user, booking_request(venue, {item: 1}))).booking
    await world.catalog.update_item(item, ItemFields(name="Old projector", price_paise=1))
    again = await world.bookings.get(booking.id, caller_id=user)
    assert (again.items[0].name, again.items[0].unit_price_paise) == ("Projector", 9_900)


async def test_configured_gst_rate_is_used() -> None:
    world = World()
    world.bookings = BookingService(world.uow, world.clock, make_issuer(), BookingPolicy(gst_rate_basis_points=500))
    user, venue = await world.user(), await world.venue(hourly_rate_paise=100_000)
    booking = (await world.bookings.create(user, booking_request(venue, **slot(10, 11)))).booking
    assert (booking.tax_paise, booking.tax_rate_basis_points) == (5_000, 500)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (TOMORROW_10, TOMORROW_10, "end"),
        (TOMORROW_10, TOMORROW_10 - timedelta(hours=1), "end"),
        (NOW - timedelta(hours=1), NOW + timedelta(hours=1), "start"),
        (TOMORROW_10 + timedelta(minutes=15), TOMORROW_10 + timedelta(hours=1), "start"),
        (TOMORROW_10, TOMORROW_10 + timedelta(minutes=45), "end"),
        (TOMORROW_10, TOMORROW_10 + timedelta(hours=24, minutes=30), "end"),
        (TOMORROW_10.replace(tzinfo=None), TOMORROW_10 + timedelta(hours=1), "start"),
    ],
    ids=["empty", "reversed", "past", "quarter-hour-start", "45-minutes", "over-24h", "naive"],
)
async def test_bad_slots_are_refused_naming_the_field(world: World, start: datetime, end: datetime, field: str) -> None:
    user, venue = await world.user(), await world.venue()
    with pytest.raises(InvalidInput) as refused:
        await world.bookings.create(user, booking_request(venue, start=start, end=end))
    assert refused.value.field == field


async def test_bad_items_are_refused_and_nothing_is_stored(world: World) -> None:
    user, venue, item = await world.user(), await world.venue(), await world.item()
    for items, field in (({item: 0}, "items[0].quantity"), ({item: 1, 999: 1}, "items[1].item_id")):
        with pytest.raises(InvalidInput) as refused:
            await world.bookings.create(user, booking_request(venue, items))
        assert refused.value.field == field
    assert (await world.bookings.list(BookingFilter(), PageRequest())).total == 0


async def test_unknown_venue_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        await world.bookings.create(await world.user(), booking_request(404))


EXISTING = (10, 12)


@pytest.mark.parametrize(
    ("hours", "clashes"),
    [
        ((8, 10), False),  # ends when the existing one starts: touching
        ((12, 14), False),  # starts when the existing one ends: touching
        ((10, 12), True),  # identical
        ((9, 13), True),  # contains it
        ((10.5, 11.5), True),  # contained in it
        ((9, 10.5), True),  # overlaps its start
        ((11.5, 13), True),  # overlaps its end
    ],
    ids=["touching-before", "touching-after", "identical", "containing", "contained", "over-start", "over-end"],
)
async def test_overlap_edges(world: World, hours: tuple[float, float], clashes: bool) -> None:
    user, venue = await world.user(), await world.venue()
    await world.bookings.create(user, booking_request(venue, **slot(*EXISTING)))
    attempt = world.bookings.create(await world.user(), booking_request(venue, **slot(*hours)))
    if clashes:
        with pytest.raises(Conflict):
            await attempt
    else:
        assert (await attempt).booking.status is BookingStatus.PENDING


async def test_the_same_slot_at_another_venue_is_free(world: World) -> None:
    user, first, second = await world.user(), await world.venue(), await world.venue()
    await world.bookings.create(user, booking_request(first))
    assert (await world.bookings.create(user, booking_request(second))).booking.venue_id == second


async def test_a_lapsed_hold_reads_as_expired_and_frees_the_slot(world: World) -> None:
    user, venue = await world.user(), await world.venue()
    held = (await world.bookings.create(user, booking_request(venue))).booking
    world.clock.advance(minutes=29, seconds=59)
    assert (await world.bookings.get(held.id, caller_id=user)).status is BookingStatus.PENDING
    with pytest.raises(Conflict):
        await world.bookings.create(user, booking_request(venue))
    world.clock.advance(seconds=1)
    expired = await world.bookings.get(held.id, caller_id=user)
    assert (expired.status, expired.updated_at) == (BookingStatus.EXPIRED, held.hold_expires_at)
    assert await world.bookings.availability(venue, None, None) == []
    assert (await world.bookings.create(user, booking_request(venue))).booking.id != held.id


async def test_status_filter_judges_holds_at_read_time_and_sweep_writes_it_down(world: World) -> None:
    user, venue = await world.user(), await world.venue()
    held = (await world.bookings.create(user, booking_request(venue))).booking
    world.clock.advance(minutes=31)
    assert [b.id for b in (await world.bookings.list_for_user(user, PageRequest(), BookingStatus.EXPIRED)).items] == [
        held.id
    ]
    assert (await world.bookings.list_for_user(user, PageRequest(), BookingStatus.PENDING)).total == 0
    assert await world.bookings.expire_lapsed_holds() == 1
    assert await world.bookings.expire_lapsed_holds() == 0
    async with world.uow(read_only=True) as uow:
        stored = await uow.bookings.get(held.id)
    assert stored is not None and stored.status is BookingStatus.EXPIRED


async def test_idempotency_key_returns_the_first_booking(world: World) -> None:
    user, venue = await world.user(), await world.venue()
    request = booking_request(venue)
    first = await world.bookings.create(user, request, "retry-1")
    again = await world.bookings.create(user, request, "retry-1")
    assert (again.booking, again.replayed, first.replayed) == (first.booking, True, False)
    assert (await world.bookings.list(BookingFilter(), PageRequest())).total == 1


async def test_idempotency_key_is_per_user(world: World) -> None:
    alice, bob, venue = await world.user(), await world.user(), await world.venue()
    await world.bookings.create(alice, booking_request(venue, **slot(10, 11)), "same-key")
    created = await world.bookings.create(bob, booking_request(venue, **slot(11, 12)), "same-key")
    assert (created.booking.user_id, created.replayed) == (bob, False)


async def test_same_key_with_another_body_is_a_conflict(world: World) -> None:
    user, venue = await world.user(), await world.venue()
    await world.bookings.create(user, booking_request(venue, **slot(10, 11)), "k")
    with pytest.raises(Conflict) as refused:
        await world.bookings.create(user, booking_request(venue, **slot(14, 15)), "k")
    assert refused.value.field == "Idempotency-Key"


async def test_a_replay_after_the_hold_lapsed_shows_the_booking_as_expired(world: World) -> None:
    user, venue = await world.user(), await world.venue()
    request = booking_request(venue)
    await world.bookings.create(user, request, "k")
    world.clock.advance(hours=1)
    assert (await world.bookings.create(user, request, "k")).booking.status is BookingStatus.EXPIRED


async def test_owner_cancels_a_pending_booking_without_refund(world: World) -> None:
    user, venue = await world.user(), await world.venue()
    booking = (await world.bookings.create(user, booking_request(venue))).booking
    cancelled = await world.bookings.cancel(booking.id, caller_id=user, reason="  plans changed ")
    assert (cancelled.status, cancelled.refund, cancelled.cancel_reason) == (
        BookingStatus.CANCELLED,
        None,
        "plans changed",
    )
    with pytest.raises(Conflict):
        await world.bookings.cancel(booking.id, caller_id=user)
    assert (await world.bookings.create(user, booking_request(venue))).booking.status is BookingStatus.PENDING


async def test_others_cannot_see_or_cancel_a_booking_but_admins_can(world: World) -> None:
    owner, other, venue = await world.user(), await world.user(), await world.venue()
    booking = (await world.bookings.create(owner, booking_request(venue))).booking
    with pytest.raises(NotFound):
        await world.bookings.get(booking.id, caller_id=other)
    with pytest.raises(NotFound):
        await world.bookings.cancel(booking.id, caller_id=other)
    assert (await world.bookings.get(booking.id, caller_id=other, caller_is_admin=True)).id == booking.id


async def test_an_expired_booking_cannot_be_cancelled_or_confirmed(world: World) -> None:
    user, venue = await world.user(), await world.venue()
    booking = (await world.bookings.create(user, booking_request(venue))).booking
    world.clock.advance(minutes=30)
    with pytest.raises(Conflict):
        await world.bookings.cancel(booking.id, caller_id=user)
    with pytest.raises(Conflict):
        await world.bookings.confirm(booking.id, "UTR-1")


async def test_confirm_issues_the_invoice_in_the_same_transaction() -> None:
    world = World()
    user, venue = await world.user(), await world.venue()
    booking = (await world.bookings.create(user, booking_request(venue))).booking
    confirmed = await world.bookings.confirm(booking.id, " UTR-42 ")
    assert (confirmed.status, confirmed.payment_reference, confirmed.invoice_number, confirmed.confirmed_at) == (
        BookingStatus.CONFIRMED,
        "UTR-42",
        "LEBRQ/2026-27/000001",
        NOW,
    )
    async with world.uow(read_only=True) as uow:
        invoice = await uow.tax_documents.for_booking(DocumentKind.TAX_INVOICE, booking.id)
    assert invoice is not None
    assert (invoice.number, invoice.document.total_paise, invoice.document.payment_reference) == (
        "LEBRQ/2026-27/000001",
        booking.total_paise,
        "UTR-42",
    )
    assert (await world.bookings.get(booking.id, caller_id=user)).invoice_number == "LEBRQ/2026-27/000001"
    with pytest.raises(Conflict):
        await world.bookings.confirm(booking.id, "UTR-43")
    # A confirmed booking keeps its slot after the hold time.
    world.clock.advance(hours=2)
    with pytest.raises(Conflict):
        await world.bookings.create(user, booking_request(venue))


async def test_a_failing_invoice_leaves_the_booking_pending_and_no_number_used() -> None:
    class LockedCounter(TaxDocumentIssuer):
        async def issue_invoice(self, uow: UnitOfWork, booking: BillableBooking, at: datetime) -> IssuedDocument:
            await super().issue_invoice(uow, booking, at)
            raise Conflict("invoice counter is locked")

    world = World(
        LockedCounter(
            SELLER,
            invoice_format=NumberFormat("LEBRQ"),
            credit_note_format=NumberFormat("LEBRQ-CN"),
            cancellation_policy=CancellationPolicy.parse("7d:100"),
        )
    )
    user, venue = await world.user(), await world.venue()
    booking = (await world.bookings.create(user, booking_request(venue))).booking
    with pytest.raises(Conflict, match="counter is locked"):
        await world.bookings.confirm(booking.id, "UTR-1")
    assert (await world.bookings.get(booking.id, caller_id=user)).status is BookingStatus.PENDING
    async with world.uow(read_only=True) as uow:
        assert await uow.tax_documents.for_booking(DocumentKind.TAX_INVOICE, booking.id) is None


async def test_cancelling_a_confirmed_booking_stores_the_refund_and_credit_note() -> None:
    world = World(make_issuer(policy="0h:50"))
    user, venue = await world.user(), await world.venue()
    booking = (await world.bookings.create(user, booking_request(venue))).booking
    await world.bookings.confirm(booking.id, "UTR-1")
    cancelled = await world.bookings.cancel(booking.id, caller_id=user)
    expected = Refund(
        amount_paise=booking.total_paise // 2, credit_note_number="LEBRQ-CN/2026-27/000001", created_at=NOW
    )
    assert (cancelled.status, cancelled.refund) == (BookingStatus.CANCELLED, expected)
    assert (await world.bookings.get(booking.id, caller_id=user)).refund == expected


async def test_cancelling_a_pending_booking_refunds_nothing_and_issues_no_credit_note() -> None:
    world = World(make_issuer(policy="0h:100"))
    user, venue = await world.user(), await world.venue()
    booking = (await world.bookings.create(user, booking_request(venue))).booking
    cancelled = await world.bookings.cancel(booking.id, caller_id=user)
    assert (cancelled.status, cancelled.refund) == (BookingStatus.CANCELLED, None)
    async with world.uow(read_only=True) as uow:
        assert await uow.refunds.for_booking(booking.id) is None


async def test_availability_lists_busy_slots_in_the_window(world: World) -> None:
    user, venue = await world.user(), await world.venue()
    for hours in ((10, 11), (14, 16)):
        await world.bookings.create(user, booking_request(venue, **slot(*hours)))
    window_start = TOMORROW_10.replace(hour=11)
    busy = await world.bookings.availability(venue, window_start, window_start + timedelta(hours=12))
    assert busy == [TimeSlot(**slot(14, 16))]
    with pytest.raises(InvalidInput):
        await world.bookings.availability(venue, window_start, window_start - timedelta(hours=1))
    with pytest.raises(InvalidInput):
        await world.bookings.availability(venue, window_start, window_start + timedelta(days=93))
    with pytest.raises(NotFound):
        await world.bookings.availability(999, None, None)


async def test_venue_timezone_must_be_iana(world: World) -> None:
    for bad in ("IST", "Asia/Calcutta2", "+05:30", "EST"):
        with pytest.raises(InvalidInput) as refused:
            await world.catalog.create_venue(VenueFieldsFactory.build(timezone=bad))
        assert refused.value.field == "timezone"
    venue = await world.catalog.create_venue(VenueFieldsFactory.build(timezone="Europe/London"))
    assert venue.timezone == "Europe/London"


async def test_patch_changes_only_the_fields_sent(world: World) -> None:
    venue = await world.catalog.create_venue(VenueFieldsFactory.build())
    world.clock.advance(minutes=5)
    updated = await world.catalog.update_venue(venue.id, VenueFields(capacity=7))
    assert updated == msgspec.structs.replace(venue, capacity=7, updated_at=world.clock.now())
    with pytest.raises(NotFound):
        await world.catalog.update_venue(999, VenueFields(capacity=7))
