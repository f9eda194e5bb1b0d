"""Rows that repository contract tests (tests/integration/contract) build on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec

from lebrq.domain.model.bookings import NewBooking, NewBookingItem
from lebrq.domain.model.catalog import new_item, new_venue
from lebrq.ports.unit_of_work import UnitOfWork
from tests.support.booking_factories import NOW, TOMORROW_10, ItemFieldsFactory, NewUserFactory, VenueFieldsFactory


async def catalog_rows(uow: UnitOfWork) -> tuple[int, int, int]:
    """A user, a venue and an item stored in `uow`: their ids."""
    user = await uow.users.add(NewUserFactory.build())
    venue = await uow.venues.add(new_venue(VenueFieldsFactory.build(), NOW))
    item = await uow.items.add(new_item(ItemFieldsFactory.build(), NOW))
    return user.id, venue.id, item.id


def new_booking(
    user_id: int, venue_id: int, item_id: int | None = None, hours: tuple[float, float] = (10, 12), **extra: Any
) -> NewBooking:
    """A pending booking tomorrow, hours[0]..hours[1] UTC, with two item lines when an
    item is given; `extra` replaces fields."""
    start = TOMORROW_10.replace(hour=0) + timedelta(hours=hours[0])
    lines = (
        ()
        if item_id is None
        else (
            NewBookingItem(item_id=item_id, name="Chair", quantity=2, unit_price_paise=150, amount_paise=300),
            NewBookingItem(item_id=item_id, name="Chair (spare)", quantity=1, unit_price_paise=150, amount_paise=150),
        )
    )
    booking = NewBooking(
        user_id=user_id,
        venue_id=venue_id,
        start=start,
        end=start + timedelta(hours=hours[1] - hours[0]),
        notes="=cmd|' /C calc'!A0",
        items=lines,
        hourly_rate_paise=10_000,
        venue_amount_paise=20_000,
        subtotal_paise=20_450,
        tax_rate_basis_points=1800,
        tax_paise=3_682,
        total_paise=24_132,
        hold_expires_at=NOW + timedelta(minutes=30),
        created_at=NOW,
        idempotency_key=None,
        request_fingerprint=None,
    )
    return msgspec.structs.replace(booking, **extra)
