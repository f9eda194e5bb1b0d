from __future__ import annotations

from lebrq.ports.health import PoolStatus


class MemoryDatabaseHealth:
    """Tests flip `available` to see readiness fail and recover."""

    def __init__(self) -> None:
        self.available = True

    async def ping(self) -> bool:
        return self.available

    def pool_status(self) -> PoolStatus:
        return PoolStatus(size=0, checked_in=0, checked_out=0, overflow=0, max_overflow=0)
