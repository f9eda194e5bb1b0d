"""The catalog and booking repository contract, on memory, SQLite and MariaDB."""

from __future__ import annotations

from datetime import timedelta

import msgspec
import pytest

from lebrq.domain.model.bookings import (
    BookingFilter,
    BookingItemFilter,
    BookingStatus,
    Refund,
    TimeSlot,
)
from lebrq.domain.model.catalog import new_venue
from lebrq.domain.model.errors import Conflict
from lebrq.domain.model.pagination import PageRequest
from lebrq.ports.unit_of_work import UnitOfWorkFactory
from tests.support.booking_factories import NOW, TOMORROW_10, NewUserFactory, VenueFieldsFactory
from tests.support.contract_data import catalog_rows, new_booking

pytestmark = pytest.mark.anyio


async def test_booking_reads_back_with_its_lines(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        user, venue, item = await catalog_rows(uow)
        added = await uow.bookings.add(
            new_booking(user, venue, item, idempotency_key="k1", request_fingerprint="f" * 64)
        )
        await uow.commit()
    assert [line.name for line in added.items] == ["Chair", "Chair (spare)"]
    assert added.start == TOMORROW_10 and added.status is BookingStatus.PENDING and added.updated_at == NOW
    async with contract_uow(read_only=True) as uow:
        assert await uow.bookings.get(added.id) == added
        assert await uow.bookings.get_by_idempotency_key(user, "k1") == added
        assert await uow.bookings.get_by_idempotency_key(user, "k2") is None
        assert await uow.bookings.get(added.id + 1000) is None


async def test_idempotency_key_is_unique_per_user(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        user, venue, _ = await catalog_rows(uow)
        other = (await uow.users.add(NewUserFactory.build())).id
        await uow.bookings.add(new_booking(user, venue, idempotency_key="k", hours=(1, 2)))
        await uow.bookings.add(new_booking(other, venue, idempotency_key="k", hours=(3, 4)))
        await uow.bookings.add(new_booking(user, venue, hours=(5, 6)))
        await uow.bookings.add(new_booking(user, venue, hours=(7, 8)))  # NULL keys never collide
        await uow.commit()
    async with contract_uow() as uow:
        with pytest.raises(Conflict) as refused:
            await uow.bookings.add(new_booking(user, venue, idempotency_key="k", hours=(9, 10)))
    assert refused.value.field == "Idempotency-Key"


async def test_busy_sees_confirmed_and_running_holds_only(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        user, venue, _ = await catalog_rows(uow)
        other_venue = (await uow.venues.add(new_venue(VenueFieldsFactory.build(), NOW))).id
        held = await uow.bookings.add(new_booking(user, venue, hours=(10, 12)))
        lapsed = await uow.bookings.add(new_booking(user, venue, hours=(12, 13), hold_expires_at=NOW))
        confirmed = await uow.bookings.add(new_booking(user, venue, hours=(14, 15), hold_expires_at=NOW))
        await uow.bookings.save_state(msgspec.structs.replace(confirmed, status=BookingStatus.CONFIRMED))
        cancelled = await uow.bookings.add(new_booking(user, venue, hours=(16, 17)))
        await uow.bookings.save_state(msgspec.structs.replace(cancelled, status=BookingStatus.CANCELLED))
        await uow.bookings.add(new_booking(user, other_venue, hours=(10, 12)))
        await uow.commit()
    day = TOMORROW_10.replace(hour=0)
    async with contract_uow(read_only=True) as uow:
        whole_day = await uow.bookings.busy(venue, TimeSlot(day, day + timedelta(days=1)), NOW)
        assert whole_day == [held.slot, confirmed.slot]
        assert lapsed.slot not in whole_day
        # Touching windows do not overlap; one minute inside does.
        assert await uow.bookings.busy(venue, TimeSlot(day, held.start), NOW) == []
        assert await uow.bookings.busy(venue, TimeSlot(held.end, confirmed.start), NOW) == []
        inside = TimeSlot(held.end - timedelta(minutes=1), confirmed.start + timedelta(minutes=1))
        assert await uow.bookings.busy(venue, inside, NOW) == [held.slot, confirmed.slot]


async def test_save_state_keeps_confirmation_invoice_and_refund(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        user, venue, item = await catalog_rows(uow)
        booking = await uow.bookings.add(new_booking(user, venue, item))
        later = NOW + timedelta(minutes=5)
        changed = msgspec.structs.replace(
            booking,
            status=BookingStatus.CANCELLED,
            payment_reference="UTR-1",
            confirmed_at=NOW,
            cancelled_at=later,
            cancel_reason="rain",
            invoice_number="LEBRQ/2026-27/000001",
            refund=Refund(amount_paise=100, credit_note_number="LEBRQ-CN/2026-27/000001", created_at=later),
            updated_at=later,
        )
        await uow.bookings.save_state(changed)
        await uow.commit()
    async with contract_uow() as uow:
        assert await uow.bookings.get_for_update(booking.id) == changed


async def test_uncommitted_bookings_are_rolled_back(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        user, venue, _ = await catalog_rows(uow)
        await uow.commit()
    async with contract_uow() as uow:
        await uow.bookings.add(new_booking(user, venue))
    async with contract_uow(read_only=True) as uow:
        assert (await uow.bookings.list(BookingFilter(), PageRequest(), NOW)).total == 0


async def test_sweep_expires_lapsed_holds_only(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        user, venue, _ = await catalog_rows(uow)
        lapsed = await uow.bookings.add(
            new_booking(user, venue, hours=(1, 2), hold_expires_at=NOW - timedelta(minutes=1))
        )
        running = await uow.bookings.add(new_booking(user, venue, hours=(3, 4)))
        assert await uow.bookings.expire_lapsed_holds(NOW) == 1
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        swept = await uow.bookings.get(lapsed.id)
        assert swept is not None and (swept.status, swept.updated_at) == (BookingStatus.EXPIRED, lapsed.hold_expires_at)
        assert (await uow.bookings.get(running.id)).status is BookingStatus.PENDING  # type: ignore[union-attr]


async def test_lists_walk_newest_first_with_filters(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        user, venue, item = await catalog_rows(uow)
        other = (await uow.users.add(NewUserFactory.build())).id
        ids = []
        for n in range(7):
            # Pairs share created_at, so the id breaks the tie.
            ids.append(
                (
                    await uow.bookings.add(
                        new_booking(
                            user if n % 2 else other,
                            venue,
                            item,
                            hours=(n, n + 1),
                            created_at=NOW + timedelta(seconds=n // 2),
                        )
                    )
                ).id
            )
        await uow.commit()
    newest_first = sorted(ids, key=lambda i: (ids.index(i) // 2, i), reverse=True)
    async with contract_uow(read_only=True) as uow:
        walked = []
        for number in range(1, 5):
            page = await uow.bookings.list(BookingFilter(), PageRequest(page=number, page_size=2), NOW)
            assert (page.total, page.total_pages) == (7, 4)
            walked += [b.id for b in page.items]
            assert all(len(b.items) == 2 for b in page.items)
        assert walked == newest_first
        past_end = await uow.bookings.list(BookingFilter(), PageRequest(page=9, page_size=2), NOW)
        assert (past_end.items, past_end.total) == ([], 7)
        mine = await uow.bookings.list(BookingFilter(user_id=user), PageRequest(), NOW)
        assert [b.id for b in mine.items] == [i for i in newest_first if ids.index(i) % 2]
        window = BookingFilter(starts_from=TOMORROW_10.replace(hour=2), starts_before=TOMORROW_10.replace(hour=4))
        assert sorted(b.id for b in (await uow.bookings.list(window, PageRequest(), NOW)).items) == ids[2:4]
        lines = await uow.bookings.list_items(BookingItemFilter(booking_id=ids[3]), PageRequest())
        assert [line.booking_id for line in lines.items] == [ids[3], ids[3]]
        assert lines.items[0].id > lines.items[1].id
        assert (await uow.bookings.list_items(BookingItemFilter(item_id=item), PageRequest(page_size=5))).total == 14


async def test_export_streams_every_matching_row_newest_first(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        user, venue, _ = await catalog_rows(uow)
        added = [
            await uow.bookings.add(new_booking(user, venue, hours=(n, n + 1), created_at=NOW + timedelta(seconds=n)))
            for n in range(5)
        ]
        lapsed = await uow.bookings.add(
            new_booking(user, venue, hours=(8, 9), hold_expires_at=NOW, created_at=NOW - timedelta(days=1))
        )
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        rows = [row async for row in uow.bookings.export(BookingFilter(), NOW)]
        assert [row.id for row in rows] == [b.id for b in reversed(added)] + [lapsed.id]
        assert rows[-1].status is BookingStatus.EXPIRED and rows[0].status is BookingStatus.PENDING
        assert rows[0].venue_name and rows[0].user_email and rows[0].notes.startswith("=")
    async with contract_uow(read_only=True) as uow:
        expired = [row.id async for row in uow.bookings.export(BookingFilter(status=BookingStatus.EXPIRED), NOW)]
        assert expired == [lapsed.id]
