from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

import msgspec

from lebrq.adapters.memory.store import MemoryStore, MemoryTable
from lebrq.domain.model.catalog import Item, Venue
from lebrq.domain.model.pagination import Page, PageRequest, newest_first, page_of_sorted

_Row = TypeVar("_Row", Venue, Item)


class _MemoryCatalogTable(Generic[_Row]):
    def __init__(self, table: MemoryTable) -> None:
        self._rows = table

    async def add(self, row: _Row) -> _Row:
        stored = msgspec.structs.replace(row, id=self._rows.next_id())
        self._rows[stored.id] = stored
        return stored

    async def get(self, row_id: int) -> _Row | None:
        row: _Row | None = self._rows.get(row_id)
        return row

    async def save(self, row: _Row) -> None:
        if row.id in self._rows:
            self._rows[row.id] = row

    async def list(self, page: PageRequest) -> Page[_Row]:
        return page_of_sorted(self._rows.values(), page, newest_first)


class MemoryVenueRepository(_MemoryCatalogTable[Venue]):
    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store.table("venues"))

    async def get_for_update(self, venue_id: int) -> Venue | None:
        # The memory unit of work already runs writers one at a time.
        return await self.get(venue_id)


class MemoryItemRepository(_MemoryCatalogTable[Item]):
    def __init__(self, store: MemoryStore) -> None:
        super().__init__(store.table("items"))

    async def get_many(self, item_ids: Iterable[int]) -> dict[int, Item]:
        return {item_id: self._rows[item_id] for item_id in set(item_ids) if item_id in self._rows}
