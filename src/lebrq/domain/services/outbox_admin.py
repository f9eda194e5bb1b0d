"""What operators see of the outbox: the admin list and the figures for metrics.
Neither ever exposes a message's params (its body, a one-time code)."""

from __future__ import annotations

import msgspec

from lebrq.domain.model.outbox import OutboxFilter, OutboxMessage, OutboxStatus
from lebrq.domain.model.pagination import Page, PageRequest
from lebrq.ports.clock import Clock
from lebrq.ports.unit_of_work import UnitOfWorkFactory


class OutboxBacklog(msgspec.Struct, frozen=True, gc=False):
    pending: int
    oldest_pending_age_seconds: float


class OutboxAdmin:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def list(self, status: OutboxStatus | None, page: PageRequest) -> Page[OutboxMessage]:
        async with self._uow(read_only=True) as uow:
            return await uow.outbox.list(OutboxFilter(status=status), page)

    async def backlog(self) -> OutboxBacklog:
        async with self._uow(read_only=True) as uow:
            stats = await uow.outbox.stats()
        oldest = stats.oldest_pending_created_at
        age = 0.0 if oldest is None else max(0.0, (self._clock.now() - oldest).total_seconds())
        return OutboxBacklog(pending=stats.pending, oldest_pending_age_seconds=age)
