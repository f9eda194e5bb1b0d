from __future__ import annotations

from datetime import datetime, timedelta

import msgspec

from lebrq.adapters.memory.store import MemoryStore
from lebrq.domain.model.outbox import (
    MAX_ERROR_LENGTH,
    NewOutboxMessage,
    OutboxFilter,
    OutboxMessage,
    OutboxStats,
    OutboxStatus,
)
from lebrq.domain.model.pagination import Page, PageRequest, newest_first, page_of_sorted


class MemoryOutboxRepository:
    """Claims are atomic because memory writers run one at a time (the store's lock)."""

    def __init__(self, store: MemoryStore) -> None:
        self._messages = store.table("outbox_messages")

    async def add(self, message: NewOutboxMessage) -> OutboxMessage:
        stored = message.queued_as(self._messages.next_id())
        self._messages[stored.id] = stored
        return stored

    async def claim(self, owner: str, now: datetime, lease: timedelta, limit: int) -> list[OutboxMessage]:
        due = sorted(
            (m for m in self._messages.values() if m.status is OutboxStatus.PENDING and m.available_at <= now),
            key=lambda m: (m.available_at, m.id),
        )[:limit]
        claimed = []
        for message in due:
            held = msgspec.structs.replace(
                message, claimed_by=owner, available_at=now + lease, attempts=message.attempts + 1
            )
            self._messages[held.id] = held
            claimed.append(held)
        return sorted(claimed, key=lambda m: m.id)

    async def mark_sent(self, message_id: int, owner: str, at: datetime, *, erase_params: bool) -> bool:
        return self._update_held(message_id, owner, erase_params, status=OutboxStatus.SENT, sent_at=at, claimed_by=None)

    async def mark_failed(self, message_id: int, owner: str, reason: str, *, erase_params: bool) -> bool:
        return self._update_held(
            message_id,
            owner,
            erase_params,
            status=OutboxStatus.FAILED,
            last_error=reason[:MAX_ERROR_LENGTH],
            claimed_by=None,
        )

    async def retry_later(self, message_id: int, owner: str, due_at: datetime, reason: str) -> bool:
        return self._update_held(
            message_id, owner, False, available_at=due_at, last_error=reason[:MAX_ERROR_LENGTH], claimed_by=None
        )

    def _update_held(self, message_id: int, owner: str, erase_params: bool, **changes: object) -> bool:
        message = self._messages.get(message_id)
        if message is None or message.claimed_by != owner or message.status is not OutboxStatus.PENDING:
            return False
        if erase_params:
            changes["params"] = None
        self._messages[message_id] = msgspec.structs.replace(message, **changes)
        return True

    async def list(self, filters: OutboxFilter, page: PageRequest) -> Page[OutboxMessage]:
        matching = (m for m in self._messages.values() if filters.status is None or m.status is filters.status)
        return page_of_sorted(matching, page, newest_first)

    async def stats(self) -> OutboxStats:
        pending = [m for m in self._messages.values() if m.status is OutboxStatus.PENDING]
        return OutboxStats(
            pending=len(pending), oldest_pending_created_at=min((m.created_at for m in pending), default=None)
        )
