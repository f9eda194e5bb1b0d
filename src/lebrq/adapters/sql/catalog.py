"""SQL repositories for venues and items (SQLAlchemy Core, explicit columns)."""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from lebrq.adapters.sql.paging import fetch_page
from lebrq.adapters.sql.rows import AnyRow, inserted_id
from lebrq.adapters.sql.tables.catalog import items, venues
from lebrq.domain.model.catalog import Item, Venue
from lebrq.domain.model.pagination import Page, PageRequest

_VENUE_COLUMNS = (
    venues.c.id,
    venues.c.name,
    venues.c.description,
    venues.c.capacity,
    venues.c.hourly_rate_paise,
    venues.c.currency,
    venues.c.timezone,
    venues.c.poster_url,
    venues.c.created_at,
    venues.c.updated_at,
)
_ITEM_COLUMNS = (
    items.c.id,
    items.c.name,
    items.c.price_paise,
    items.c.currency,
    items.c.unit,
    items.c.created_at,
    items.c.updated_at,
)


def _venue(row: AnyRow) -> Venue:
    return Venue(
        id=row.id,
        name=row.name,
        description=row.description,
        capacity=row.capacity,
        hourly_rate_paise=row.hourly_rate_paise,
        currency=row.currency,
        timezone=row.timezone,
        poster_url=row.poster_url,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _item(row: AnyRow) -> Item:
    return Item(
        id=row.id,
        name=row.name,
        price_paise=row.price_paise,
        currency=row.currency,
        unit=row.unit,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _venue_values(venue: Venue) -> dict[str, object]:
    return {
        "name": venue.name,
        "description": venue.description,
        "capacity": venue.capacity,
        "hourly_rate_paise": venue.hourly_rate_paise,
        "currency": venue.currency,
        "timezone": venue.timezone,
        "poster_url": venue.poster_url,
        "updated_at": venue.updated_at,
    }


def _item_values(item: Item) -> dict[str, object]:
    return {
        "name": item.name,
        "price_paise": item.price_paise,
        "currency": item.currency,
        "unit": item.unit,
        "updated_at": item.updated_at,
    }


class SqlVenueRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, venue: Venue) -> Venue:
        result = await self._connection.execute(
            sa.insert(venues).values(**_venue_values(venue), created_at=venue.created_at)
        )
        return msgspec.structs.replace(venue, id=inserted_id(result))

    async def get(self, venue_id: int) -> Venue | None:
        row = (await self._connection.execute(sa.select(*_VENUE_COLUMNS).where(venues.c.id == venue_id))).first()
        return None if row is None else _venue(row)

    async def get_for_update(self, venue_id: int) -> Venue | None:
        query = sa.select(*_VENUE_COLUMNS).where(venues.c.id == venue_id).with_for_update()
        row = (await self._connection.execute(query)).first()
        return None if row is None else _venue(row)

    async def save(self, venue: Venue) -> None:
        await self._connection.execute(sa.update(venues).where(venues.c.id == venue.id).values(**_venue_values(venue)))

    async def list(self, page: PageRequest) -> Page[Venue]:
        found = await fetch_page(self._connection, _VENUE_COLUMNS, venues, (), (venues.c.created_at, venues.c.id), page)
        return Page(items=[_venue(row) for row in found.rows], total=found.total, request=page, next=found.next)


class SqlItemRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, item: Item) -> Item:
        result = await self._connection.execute(
            sa.insert(items).values(**_item_values(item), created_at=item.created_at)
        )
        return msgspec.structs.replace(item, id=inserted_id(result))

    async def get(self, item_id: int) -> Item | None:
        row = (await self._connection.execute(sa.select(*_ITEM_COLUMNS).where(items.c.id == item_id))).first()
        return None if row is None else _item(row)

    async def get_many(self, item_ids: Iterable[int]) -> dict[int, Item]:
        wanted = set(item_ids)
        if not wanted:
            return {}
        rows = await self._connection.execute(sa.select(*_ITEM_COLUMNS).where(items.c.id.in_(wanted)))
        return {row.id: _item(row) for row in rows}

    async def save(self, item: Item) -> None:
        await self._connection.execute(sa.update(items).where(items.c.id == item.id).values(**_item_values(item)))

    async def list(self, page: PageRequest) -> Page[Item]:
        found = await fetch_page(self._connection, _ITEM_COLUMNS, items, (), (items.c.created_at, items.c.id), page)
        return Page(items=[_item(row) for row in found.rows], total=found.total, request=page, next=found.next)
