from __future__ import annotations

from typing import Protocol

import msgspec


class PoolStatus(msgspec.Struct, frozen=True, gc=False):
    size: int
    checked_in: int
    checked_out: int
    overflow: int
    max_overflow: int


class DatabaseHealth(Protocol):
    async def ping(self) -> bool:
        """True when the database answers a trivial query in time."""
        ...

    def pool_status(self) -> PoolStatus: ...
