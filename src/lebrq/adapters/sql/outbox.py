"""The outbox on SQL: claims with `SELECT ... FOR UPDATE SKIP LOCKED` on MariaDB (SQLite
has no row locks and serialises writers, so the same statements are atomic there)."""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from lebrq.adapters.sql.paging import fetch_page
from lebrq.adapters.sql.rows import Part, StructColumns, inserted_id
from lebrq.adapters.sql.tables.outbox import outbox_messages as t
from lebrq.domain.model.outbox import (
    MAX_ERROR_LENGTH,
    AttachedDocument,
    Channel,
    MessageKind,
    NewOutboxMessage,
    OutboxFilter,
    OutboxMessage,
    OutboxStats,
    OutboxStatus,
)
from lebrq.domain.model.pagination import Page, PageRequest
from lebrq.domain.model.tax_documents import DocumentKind

_decode_params = msgspec.json.Decoder(dict[str, str]).decode
# The document attached to a message, in two columns of its row (NULL when none).
_ATTACHMENT = StructColumns(
    AttachedDocument,
    {"kind": t.c.attachment_kind, "booking_id": t.c.attachment_booking_id},
    convert={"kind": DocumentKind},
)
_MESSAGE = StructColumns.same_named(
    OutboxMessage,
    t,
    convert={
        "kind": MessageKind,
        "channel": Channel,
        "status": OutboxStatus,
        # NULL once erased.
        "params": lambda stored: None if stored is None else _decode_params(stored),
    },
    parts={"attachment": Part(_ATTACHMENT, present="kind")},
)
# Of the messages selected: how many, and when the oldest was written.
_STATS = StructColumns(
    OutboxStats,
    {"pending": sa.func.count(), "oldest_pending_created_at": sa.func.min(t.c.created_at)},
    convert={"pending": int},
)


class SqlOutboxRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, message: NewOutboxMessage) -> OutboxMessage:
        attachment = message.attachment
        result = await self._connection.execute(
            sa.insert(t).values(
                kind=message.kind.value,
                channel=message.channel.value,
                recipient=message.recipient,
                params=msgspec.json.encode(message.params).decode(),
                attachment_kind=attachment.kind.value if attachment else None,
                attachment_booking_id=attachment.booking_id if attachment else None,
                status=OutboxStatus.PENDING.value,
                attempts=0,
                created_at=message.created_at,
                available_at=message.created_at,
                expires_at=message.expires_at,
            )
        )
        return message.queued_as(inserted_id(result))

    async def claim(self, owner: str, now: datetime, lease: timedelta, limit: int) -> list[OutboxMessage]:
        due = (
            sa.select(t.c.id)
            .where(t.c.status == OutboxStatus.PENDING.value, t.c.available_at <= now)
            .order_by(t.c.available_at, t.c.id)
            .limit(limit)
            # Rows another dispatcher is claiming right now are passed over, not waited for.
            .with_for_update(skip_locked=True)
        )
        ids = list((await self._connection.execute(due)).scalars())
        if not ids:
            return []
        await self._connection.execute(
            sa.update(t)
            .where(t.c.id.in_(ids))
            .values(claimed_by=owner, available_at=now + lease, attempts=t.c.attempts + 1)
        )
        rows = await self._connection.execute(sa.select(*_MESSAGE.select).where(t.c.id.in_(ids)).order_by(t.c.id))
        return [_MESSAGE.read(row) for row in rows]

    async def mark_sent(self, message_id: int, owner: str, at: datetime, *, erase_params: bool) -> bool:
        values: dict[str, object] = {"status": OutboxStatus.SENT.value, "sent_at": at, "claimed_by": None}
        if erase_params:
            values["params"] = None
        return await self._update_held(message_id, owner, values)

    async def mark_failed(self, message_id: int, owner: str, reason: str, *, erase_params: bool) -> bool:
        values: dict[str, object] = {
            "status": OutboxStatus.FAILED.value,
            "last_error": reason[:MAX_ERROR_LENGTH],
            "claimed_by": None,
        }
        if erase_params:
            values["params"] = None
        return await self._update_held(message_id, owner, values)

    async def retry_later(self, message_id: int, owner: str, due_at: datetime, reason: str) -> bool:
        return await self._update_held(
            message_id, owner, {"available_at": due_at, "last_error": reason[:MAX_ERROR_LENGTH], "claimed_by": None}
        )

    async def _update_held(self, message_id: int, owner: str, values: dict[str, object]) -> bool:
        result = await self._connection.execute(
            sa.update(t)
            .where(t.c.id == message_id, t.c.claimed_by == owner, t.c.status == OutboxStatus.PENDING.value)
            .values(**values)
        )
        return bool(result.rowcount)

    async def list(self, filters: OutboxFilter, page: PageRequest) -> Page[OutboxMessage]:
        conditions = [] if filters.status is None else [t.c.status == filters.status.value]
        found = await fetch_page(self._connection, _MESSAGE.select, t, conditions, (t.c.created_at, t.c.id), page)
        return Page(items=[_MESSAGE.read(row) for row in found.rows], total=found.total, request=page, next=found.next)

    async def stats(self) -> OutboxStats:
        query = sa.select(*_STATS.select).where(t.c.status == OutboxStatus.PENDING.value)
        return _STATS.read((await self._connection.execute(query)).one())
