"""Numbering and capacity under real concurrency, on SQLite and MariaDB: the row locks
(counter row, program row) must hold when many transactions arrive at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from lebrq.domain.model.bookings import BookingRequest
from lebrq.domain.model.document_numbers import FinancialYear, document_date
from lebrq.domain.model.errors import Conflict
from lebrq.domain.model.programs import ProgramFields
from lebrq.domain.model.tax_documents import DocumentKind
from tests.support.invoicing import booked_world

pytestmark = pytest.mark.anyio


async def test_twenty_concurrent_confirms_get_twenty_consecutive_invoice_numbers(sql_world) -> None:
    services, adapters = sql_world
    user_id, venue_id, _ = await booked_world(adapters.uow)
    first_day = (datetime.now(UTC) + timedelta(days=30)).replace(hour=0, minute=0, second=0, microsecond=0)
    bookings = [
        (
            await services.bookings.create(
                user_id,
                BookingRequest(
                    venue_id=venue_id,
                    start=first_day + timedelta(hours=n),
                    end=first_day + timedelta(hours=n, minutes=30),
                ),
            )
        ).booking
        for n in range(20)
    ]
    year = FinancialYear.of(document_date(datetime.now(UTC))).label

    confirmed = await asyncio.gather(*(services.bookings.confirm(b.id, f"UTR-{b.id}") for b in bookings))

    numbers = sorted(b.invoice_number for b in confirmed)
    assert numbers == [f"LEBRQ/{year}/{n:06d}" for n in range(1, 21)]
    async with adapters.uow(read_only=True) as uow:
        stored = [await uow.tax_documents.for_booking(DocumentKind.TAX_INVOICE, b.id) for b in bookings]
    assert sorted(d.number for d in stored) == numbers
    assert {d.document.booking_id: d.number for d in stored} == {b.id: b.invoice_number for b in confirmed}


async def test_ten_users_racing_for_three_seats_get_exactly_three(sql_world) -> None:
    services, adapters = sql_world
    _, venue_id, _ = await booked_world(adapters.uow)
    today = datetime.now(UTC).date()
    program = await services.programs.create(
        ProgramFields(
            title="Evening Yoga",
            venue_id=venue_id,
            weekdays=[0, 1, 2, 3, 4, 5, 6],
            start_time="18:00",
            duration_minutes=60,
            starts_on=today + timedelta(days=400),
            ends_on=today + timedelta(days=430),
            capacity=3,
            fee_paise=1_500_00,
        )
    )
    users = [(await booked_world(adapters.uow))[0] for _ in range(10)]

    results = await asyncio.gather(*(services.programs.enroll(program.id, u) for u in users), return_exceptions=True)

    enrolled = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(enrolled) == 3
    assert len(refused) == 7 and all(isinstance(r, Conflict) and "full" in r.message for r in refused)
    assert (await services.programs.get(program.id)).seats_left == 0
    assert len({e.user_id for e in enrolled}) == 3


async def test_the_same_user_racing_twice_gets_one_seat(sql_world) -> None:
    services, adapters = sql_world
    user_id, venue_id, _ = await booked_world(adapters.uow)
    start = date.today() + timedelta(days=500)
    program = await services.programs.create(
        ProgramFields(
            title="Pottery",
            venue_id=venue_id,
            weekdays=[5],
            start_time="10:00",
            duration_minutes=90,
            starts_on=start,
            ends_on=start + timedelta(days=60),
            capacity=10,
            fee_paise=0,
        )
    )
    results = await asyncio.gather(
        *(services.programs.enroll(program.id, user_id) for _ in range(4)), return_exceptions=True
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert (await services.programs.get(program.id)).seats_left == 9
