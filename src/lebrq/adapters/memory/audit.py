from __future__ import annotations

import msgspec

from lebrq.adapters.memory.store import MemoryStore
from lebrq.domain.model.audit import AuditEntry, AuditFilter, NewAuditEntry
from lebrq.domain.model.pagination import Page, PageRequest, SortKey, page_of_sorted


class MemoryAuditLogRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._entries = store.table("audit_log")

    async def add(self, entry: NewAuditEntry) -> AuditEntry:
        stored = AuditEntry(id=self._entries.next_id(), **msgspec.structs.asdict(entry))
        self._entries[stored.id] = stored
        return stored

    async def list(self, filters: AuditFilter, page: PageRequest) -> Page[AuditEntry]:
        return page_of_sorted(
            (entry for entry in self._entries.values() if filters.matches(entry)), page, _newest_first
        )


def _newest_first(entry: AuditEntry) -> SortKey:
    return (entry.at, entry.id)
