"""SQL repositories for venues and items (SQLAlchemy Core, explicit columns)."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from lebrq.adapters.sql.paging import fetch_page
from lebrq.adapters.sql.rows import StructColumns, inserted_id
from lebrq.adapters.sql.tables.catalog import items, venues
from lebrq.domain.model.catalog import Item, Venue
from lebrq.domain.model.pagination import Page, PageRequest

_VENUE = StructColumns.same_named(Venue, venues)
_ITEM = StructColumns.same_named(Item, items)
# Never changed by an update.
_FIXED = ("id", "created_at")


class SqlVenueRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, venue: Venue) -> Venue:
        result = await self._connection.execute(sa.insert(venues).values(**_VENUE.values(venue, leave_out=("id",))))
        return msgspec.structs.replace(venue, id=inserted_id(result))

    async def get(self, venue_id: int) -> Venue | None:
        row = (await self._connection.execute(sa.select(*_VENUE.select).where(venues.c.id == venue_id))).first()
        return None if row is None else _VENUE.read(row)

    async def get_for_update(self, venue_id: int) -> Venue | None:
        query = sa.select(*_VENUE.select).where(venues.c.id == venue_id).with_for_update()
        row = (await self._connection.execute(query)).first()
        return None if row is None else _VENUE.read(row)

    async def save(self, venue: Venue) -> None:
        await self._connection.execute(
            sa.update(venues).where(venues.c.id == venue.id).values(**_VENUE.values(venue, leave_out=_FIXED))
        )

    async def list(self, page: PageRequest) -> Page[Venue]:
        found = await fetch_page(self._connection, _VENUE.select, venues, (), (venues.c.created_at, venues.c.id), page)
        return Page(items=[_VENUE.read(row) for row in found.rows], total=found.total, request=page, next=found.next)


class SqlItemRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, item: Item) -> Item:
        result = await self._connection.execute(sa.insert(items).values(**_ITEM.values(item, leave_out=("id",))))
        return msgspec.structs.replace(item, id=inserted_id(result))

    async def get(self, item_id: int) -> Item | None:
        row = (await self._connection.execute(sa.select(*_ITEM.select).where(items.c.id == item_id))).first()
        return None if row is None else _ITEM.read(row)

    async def get_many(self, item_ids: Iterable[int]) -> dict[int, Item]:
        wanted = set(item_ids)
        if not wanted:
            return {}
        rows = await self._connection.execute(sa.select(*_ITEM.select).where(items.c.id.in_(wanted)))
        return {item.id: item for item in map(_ITEM.read, rows)}

    async def save(self, item: Item) -> None:
        await self._connection.execute(
            sa.update(items).where(items.c.id == item.id).values(**_ITEM.values(item, leave_out=_FIXED))
        )

    async def list(self, page: PageRequest) -> Page[Item]:
        found = await fetch_page(self._connection, _ITEM.select, items, (), (items.c.created_at, items.c.id), page)
        return Page(items=[_ITEM.read(row) for row in found.rows], total=found.total, request=page, next=found.next)
