"""Storage of the audit log (append-only)."""

from __future__ import annotations

from typing import Protocol

from lebrq.domain.model.audit import AuditEntry, AuditFilter, NewAuditEntry
from lebrq.domain.model.pagination import Page, PageRequest


class AuditLogRepository(Protocol):
    async def add(self, entry: NewAuditEntry) -> AuditEntry:
        """Append, inside the unit of work's transaction."""
        ...

    async def list(self, filters: AuditFilter, page: PageRequest) -> Page[AuditEntry]:
        """Newest first (`at`, then higher id)."""
        ...
