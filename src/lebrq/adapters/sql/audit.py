"""The audit log in SQL: one INSERT per entry, in the caller's transaction."""

from __future__ import annotations

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from lebrq.adapters.sql.paging import fetch_page
from lebrq.adapters.sql.rows import StructColumns, inserted_id
from lebrq.adapters.sql.tables.audit import audit_log
from lebrq.domain.model.audit import AuditEntry, AuditFilter, NewAuditEntry
from lebrq.domain.model.pagination import Page, PageRequest

_ENTRY = StructColumns.same_named(AuditEntry, audit_log)


class SqlAuditLogRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, entry: NewAuditEntry) -> AuditEntry:
        values = msgspec.structs.asdict(entry)
        result = await self._connection.execute(sa.insert(audit_log).values(**values))
        return AuditEntry(id=inserted_id(result), **values)

    async def list(self, filters: AuditFilter, page: PageRequest) -> Page[AuditEntry]:
        conditions = []
        if filters.actor_id is not None:
            conditions.append(audit_log.c.actor_id == filters.actor_id)
        if filters.action is not None:
            conditions.append(audit_log.c.action == filters.action)
        if filters.target_type is not None:
            conditions.append(audit_log.c.target_type == filters.target_type)
        if filters.target_id is not None:
            conditions.append(audit_log.c.target_id == filters.target_id)
        if filters.at_from is not None:
            conditions.append(audit_log.c.at >= filters.at_from)
        if filters.at_to is not None:
            conditions.append(audit_log.c.at < filters.at_to)
        found = await fetch_page(
            self._connection, _ENTRY.select, audit_log, conditions, (audit_log.c.at, audit_log.c.id), page
        )
        return Page(items=[_ENTRY.read(row) for row in found.rows], total=found.total, request=page, next=found.next)
