"""Reading the audit log (admins). Entries are written by the use cases that make the
changes, through `lebrq.domain.model.audit.record`, never through here."""

from __future__ import annotations

from lebrq.domain.model.audit import AuditEntry, AuditFilter
from lebrq.domain.model.pagination import Page, PageRequest
from lebrq.ports.unit_of_work import UnitOfWorkFactory


class AuditLogService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def list(self, filters: AuditFilter, page: PageRequest) -> Page[AuditEntry]:
        filters = filters.checked()
        async with self._uow(read_only=True) as uow:
            return await uow.audit_log.list(filters, page)
