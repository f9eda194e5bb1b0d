"""SQL repository for media records (SQLAlchemy Core, explicit columns)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from lebrq.adapters.sql.paging import fetch_page
from lebrq.adapters.sql.rows import AnyRow, inserted_id
from lebrq.adapters.sql.tables.media import media
from lebrq.domain.model.media import Media, MediaKind, NewMedia
from lebrq.domain.model.pagination import Page, PageRequest
from lebrq.domain.model.quotas import MediaUsage

_COLUMNS = (
    media.c.id,
    media.c.kind,
    media.c.owner_id,
    media.c.content_type,
    media.c.size,
    media.c.sha256,
    media.c.original_name,
    media.c.storage_key,
    media.c.is_public,
    media.c.created_at,
    media.c.booking_id,
    media.c.program_id,
)
_SORT_KEY = (media.c.created_at, media.c.id)  # the lists' sort key, descending


def _media(row: AnyRow) -> Media:
    return Media(
        id=row.id,
        kind=MediaKind(row.kind),
        owner_id=row.owner_id,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        original_name=row.original_name,
        storage_key=row.storage_key,
        is_public=bool(row.is_public),
        created_at=row.created_at,
        booking_id=row.booking_id,
        program_id=row.program_id,
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
        row = (await self._connection.execute(sa.select(*_COLUMNS).where(media.c.id == media_id))).first()
        return None if row is None else _media(row)

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
        query = sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(media.c.size), 0)).where(
            media.c.booking_id == booking_id, media.c.kind == kind.value
        )
        count, total = (await self._connection.execute(query)).one()
        return MediaUsage(count=int(count), bytes=int(total))

    async def delete_attached(self, *, booking_id: int | None, program_id: int | None) -> list[Media]:
        conditions = []
        if booking_id is not None:
            conditions.append(media.c.booking_id == booking_id)
        if program_id is not None:
            conditions.append(media.c.program_id == program_id)
        if not conditions:
            return []
        selected = sa.select(*_COLUMNS).where(sa.or_(*conditions))
        if self._connection.dialect.name == "mysql":
            selected = selected.with_for_update()
        rows = [_media(row) for row in await self._connection.execute(selected)]
        if rows:
            await self._connection.execute(sa.delete(media).where(media.c.id.in_([m.id for m in rows])))
        return rows

    async def existing_keys(self, storage_keys: Sequence[str]) -> set[str]:
        if not storage_keys:
            return set()
        query = sa.select(media.c.storage_key).where(media.c.storage_key.in_(list(storage_keys)))
        return set((await self._connection.execute(query)).scalars())

    async def _page(self, page: PageRequest, *conditions: sa.ColumnElement[bool]) -> Page[Media]:
        found = await fetch_page(self._connection, _COLUMNS, media, conditions, _SORT_KEY, page)
        return Page(items=[_media(row) for row in found.rows], total=found.total, request=page, next=found.next)
