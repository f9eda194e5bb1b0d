"""The audit log: `record` is how the use cases that make a change write its entry, in
their own unit of work; `AuditLogService` reads the log (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lebrq.domain.model.audit import AuditEntry, AuditFilter, NewAuditEntry, without_secrets
from lebrq.domain.model.pagination import Page, PageRequest
from lebrq.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory


async def record(
    uow: UnitOfWork,
    *,
    at: datetime,
    actor_id: int | None,
    action: str,
    target_id: int | None,
    details: dict[str, Any] | None = None,
) -> None:
    """Adds an entry inside the caller's unit of work (committed with the change)."""
    await uow.audit_log.add(
        NewAuditEntry(
            at=at,
            actor_id=actor_id,
            action=action,
            target_type=action.split(".", 1)[0],
            target_id=target_id,
            details=without_secrets(details or {}),
        )
    )


class AuditLogService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def list(self, filters: AuditFilter, page: PageRequest) -> Page[AuditEntry]:
        filters = filters.checked()
        async with self._uow(read_only=True) as uow:
            return await uow.audit_log.list(filters, page)
