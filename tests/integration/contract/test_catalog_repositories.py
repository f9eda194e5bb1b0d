"""The venue and item repository contract, on memory, SQLite and MariaDB."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import msgspec
import pytest

from lebrq.domain.model.catalog import (
    ItemFields,
    VenueFields,
    apply_item_fields,
    apply_venue_fields,
    new_item,
    new_venue,
)
from lebrq.domain.model.pagination import PageRequest
from lebrq.ports.unit_of_work import UnitOfWorkFactory
from tests.support.booking_factories import NOW, ItemFieldsFactory, VenueFieldsFactory

pytestmark = pytest.mark.anyio


async def test_a_venue_reads_back_field_for_field(contract_uow: UnitOfWorkFactory) -> None:
    fields = VenueFieldsFactory.build(poster_url="/api/media/7", timezone="Europe/London")
    async with contract_uow() as uow:
        stored = await uow.venues.add(msgspec.structs.replace(new_venue(fields, NOW), id=999))
        plain = await uow.venues.add(new_venue(VenueFieldsFactory.build(), NOW))
        await uow.commit()
    assert stored.id not in (0, 999) and plain.id != stored.id
    assert (stored.name, stored.poster_url, stored.timezone) == (fields.name, "/api/media/7", "Europe/London")
    async with contract_uow(read_only=True) as uow:
        assert await uow.venues.get(stored.id) == stored
        assert await uow.venues.get(plain.id) == plain and plain.poster_url is None
        assert await uow.venues.get(stored.id + plain.id + 1000) is None
    async with contract_uow() as uow:
        assert await uow.venues.get_for_update(stored.id) == stored
        assert await uow.venues.get_for_update(stored.id + plain.id + 1000) is None


async def test_items_read_back_singly_and_several_at_once(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        chair, table, mic = [await uow.items.add(new_item(ItemFieldsFactory.build(), NOW)) for _ in range(3)]
        await uow.commit()
    missing = chair.id + table.id + mic.id + 1000
    async with contract_uow(read_only=True) as uow:
        assert await uow.items.get(table.id) == table
        assert await uow.items.get(missing) is None
        assert await uow.items.get_many([chair.id, mic.id, chair.id, missing]) == {chair.id: chair, mic.id: mic}
        assert await uow.items.get_many([]) == {}


class Edit(NamedTuple):
    """A new row of a catalog table, and that row with every editable field changed."""

    new: Callable[[], Any]
    changed: Callable[[Any, datetime], Any]


EDITS = {
    "venues": Edit(
        lambda: new_venue(VenueFieldsFactory.build(poster_url="/api/media/1"), NOW),
        lambda venue, at: apply_venue_fields(
            venue,
            VenueFields(
                name="Lotus Hall", description="", capacity=40, hourly_rate_paise=0, timezone="UTC", poster_url=None
            ),
            at,
        ),
    ),
    "items": Edit(
        lambda: new_item(ItemFieldsFactory.build(), NOW),
        lambda item, at: apply_item_fields(item, ItemFields(name="Projector", price_paise=1_500_00, unit="day"), at),
    ),
}


@pytest.mark.parametrize("table", EDITS)
async def test_saving_writes_every_editable_field_of_that_row_only(contract_uow: UnitOfWorkFactory, table: str) -> None:
    edit = EDITS[table]
    async with contract_uow() as uow:
        stored = await getattr(uow, table).add(edit.new())
        neighbour = await getattr(uow, table).add(edit.new())
        await uow.commit()
    changed = edit.changed(stored, NOW + timedelta(hours=3))
    async with contract_uow() as uow:
        await getattr(uow, table).save(changed)
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        assert await getattr(uow, table).get(stored.id) == changed
        assert await getattr(uow, table).get(neighbour.id) == neighbour
    assert changed != stored and changed.created_at == NOW


async def test_lists_are_newest_first_by_page_and_by_cursor(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        # Two of each share a creation time: the higher id comes first.
        times = [NOW, NOW + timedelta(minutes=1), NOW + timedelta(minutes=1), NOW + timedelta(minutes=2)]
        venues = [await uow.venues.add(new_venue(VenueFieldsFactory.build(), at)) for at in times]
        items = [await uow.items.add(new_item(ItemFieldsFactory.build(), at)) for at in times]
        await uow.commit()
    newest_venues = [venues[3], venues[2], venues[1], venues[0]]
    newest_items = [items[3], items[2], items[1], items[0]]
    async with contract_uow(read_only=True) as uow:
        venue_pages = [await uow.venues.list(PageRequest.of(page, 3)) for page in (1, 2)]
        item_pages = [await uow.items.list(PageRequest.of(page, 3)) for page in (1, 2)]
        assert venue_pages[0].next is not None and item_pages[0].next is not None
        venues_after = await uow.venues.list(PageRequest.of(2, 3, after=venue_pages[0].next))
        items_after = await uow.items.list(PageRequest.of(2, 3, after=item_pages[0].next))
    assert [page.items for page in venue_pages] == [newest_venues[:3], newest_venues[3:]]
    assert [page.items for page in item_pages] == [newest_items[:3], newest_items[3:]]
    assert venues_after.items == newest_venues[3:] and items_after.items == newest_items[3:]
    assert {page.total for page in (*venue_pages, *item_pages)} == {4}
    assert venue_pages[1].next is None and venues_after.next is None and items_after.next is None


async def test_catalog_writes_are_rolled_back_unless_committed(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        venue = await uow.venues.add(new_venue(VenueFieldsFactory.build(), NOW))
        item = await uow.items.add(new_item(ItemFieldsFactory.build(), NOW))
        await uow.commit()
    async with contract_uow() as uow:
        await uow.venues.add(new_venue(VenueFieldsFactory.build(), NOW))
        await uow.venues.save(apply_venue_fields(venue, VenueFields(name="Renamed"), NOW))
        await uow.items.save(apply_item_fields(item, ItemFields(price_paise=1), NOW))
    async with contract_uow(read_only=True) as uow:
        assert (await uow.venues.list(PageRequest.of())).items == [venue]
        assert await uow.items.get(item.id) == item
