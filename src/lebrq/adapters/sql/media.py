"""SQL repository for media records (SQLAlchemy Core, explicit columns)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from lebrq.adapters.sql.paging import fetch_page
from lebrq.adapters.sql.rows import StructColumns, inserted_id
from lebrq.adapters.sql.tables.media import media
from lebrq.domain.model.media import Media, MediaKind, NewMedia
from lebrq.domain.model.pagination import Page, PageRequest
from lebrq.domain.model.quotas import MediaUsage

_MEDIA = StructColumns.same_named(Media, media, convert={"kind": MediaKind})
_SORT_KEY = (media.c.created_at, media.c.id)  # the lists' sort key, descending
# A booking's media of one kind, counted and summed (SUM is a DECIMAL on MariaDB).
_USAGE = StructColumns(
    MediaUsage,
    {"count": sa.func.count(), "bytes": sa.func.coalesce(sa.func.sum(media.c.size), 0)},
    convert={"count": int, "bytes": int},
)


class SqlMediaRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, new: NewMedia) -> Media:
        values = msgspec.structs.asdict(new)
        values["kind"] = new.kind.value
        result = await self._connection.execute(sa.insert(media).values(**values))
        return Media(id=inserted_id(result), **msgspec.structs.asdict(new))

    async def get(self, media_id: int) -> Media | None:
        row = (await self._connection.execute(sa.select(*_MEDIA.select).where(media.c.id == media_id))).first()
        return None if row is None else _MEDIA.read(row)

    async def list_gallery(self, page: PageRequest) -> Page[Media]:
        return await self._page(
            page,
            media.c.kind == MediaKind.IMAGE.value,
            media.c.is_public.is_(True),
            media.c.booking_id.is_(None),
            media.c.program_id.is_(None),
        )

    async def list_for_booking(self, booking_id: int, kind: MediaKind, page: PageRequest) -> Page[Media]:
        return await self._page(page, media.c.booking_id == booking_id, media.c.kind == kind.value)

    async def usage_of_booking(self, booking_id: int, kind: MediaKind) -> MediaUsage:
        query = sa.select(*_USAGE.select).where(media.c.booking_id == booking_id, media.c.kind == kind.value)
        return _USAGE.read((await self._connection.execute(query)).one())

    async def delete_attached(self, *, booking_id: int | None, program_id: int | None) -> list[Media]:
        conditions = []
        if booking_id is not None:
            conditions.append(media.c.booking_id == booking_id)
        if program_id is not None:
            conditions.append(media.c.program_id == program_id)
        if not conditions:
            return []
        selected = sa.select(*_MEDIA.select).where(sa.or_(*conditions))
        if self._connection.dialect.name == "mysql":
            selected = selected.with_for_update()
        rows = [_MEDIA.read(row) for row in await self._connection.execute(selected)]
        if rows:
            await self._connection.execute(sa.delete(media).where(media.c.id.in_([m.id for m in rows])))
        return rows

    async def existing_keys(self, storage_keys: Sequence[str]) -> set[str]:
        if not storage_keys:
            return set()
        query = sa.select(media.c.storage_key).where(media.c.storage_key.in_(list(storage_keys)))
        return set((await self._connection.execute(query)).scalars())

    async def _page(self, page: PageRequest, *conditions: sa.ColumnElement[bool]) -> Page[Media]:
        found = await fetch_page(self._connection, _MEDIA.select, media, conditions, _SORT_KEY, page)
        return Page(items=[_MEDIA.read(row) for row in found.rows], total=found.total, request=page, next=found.next)
