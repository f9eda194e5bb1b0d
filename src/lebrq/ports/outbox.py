"""Storage of outgoing messages (the transactional outbox)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from lebrq.domain.model.outbox import NewOutboxMessage, OutboxFilter, OutboxMessage, OutboxStats
from lebrq.domain.model.pagination import Page, PageRequest


class OutboxRepository(Protocol):
    async def add(self, message: NewOutboxMessage) -> OutboxMessage:
        """Queue a message inside the caller's transaction: it exists exactly when the
        change that caused it is committed. Due at once."""
        ...

    async def claim(self, owner: str, now: datetime, lease: timedelta, limit: int) -> list[OutboxMessage]:
        """Take up to `limit` pending messages due at `now`, oldest due first, for `owner`:
        each is leased (`available_at` = now + lease, `claimed_by` = owner) and its
        `attempts` counts this try. Two owners never claim one message while its lease
        runs, also from two processes or machines (SKIP LOCKED on MariaDB; SQLite
        serialises writers); a lease that ran out (its owner died) can be claimed again.
        Commit the unit of work to hand the lease over."""
        ...

    async def mark_sent(self, message_id: int, owner: str, at: datetime, *, erase_params: bool) -> bool:
        """Delivered. False (nothing changed) when `owner` no longer holds the lease."""
        ...

    async def mark_failed(self, message_id: int, owner: str, reason: str, *, erase_params: bool) -> bool:
        """Given up: never tried again. False when `owner` no longer holds the lease."""
        ...

    async def retry_later(self, message_id: int, owner: str, due_at: datetime, reason: str) -> bool:
        """Release the lease; due again at `due_at`. False when `owner` no longer holds it."""
        ...

    async def list(self, filters: OutboxFilter, page: PageRequest) -> Page[OutboxMessage]:
        """Newest `created_at` first, ties by higher id."""
        ...

    async def stats(self) -> OutboxStats:
        """How many messages are pending and when the oldest of them was queued."""
        ...
