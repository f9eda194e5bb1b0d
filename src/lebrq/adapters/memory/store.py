"""The in-memory "database": tables as dicts of frozen Structs, with snapshot rollback."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from typing import Any


class MemoryTable(dict[int, Any]):
    """Rows by id; ids come from a per-table sequence, like AUTO_INCREMENT."""

    def __init__(self) -> None:
        super().__init__()
        self._ids: Iterator[int] = itertools.count(1)

    def next_id(self) -> int:
        return next(self._ids)


class MemoryStore:
    """Shared by every unit of work of one fake database. Writers hold `write_lock`,
    which serialises them the way a row lock or SQLite's write lock would."""

    def __init__(self) -> None:
        self.tables: dict[str, MemoryTable] = {}
        self.write_lock = asyncio.Lock()

    def table(self, name: str) -> MemoryTable:
        return self.tables.setdefault(name, MemoryTable())

    def snapshot(self) -> dict[str, dict[int, Any]]:
        # Rows are immutable Structs, so copying each dict is a full snapshot.
        return {name: dict(table) for name, table in self.tables.items()}

    def restore(self, snapshot: dict[str, dict[int, Any]]) -> None:
        for name, table in self.tables.items():
            rows = snapshot.get(name, {})
            table.clear()
            table.update(rows)
