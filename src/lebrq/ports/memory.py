"""What the service needs to know about memory: one reading of the machine and of this process."""

from __future__ import annotations

from typing import Protocol

import msgspec


class MemoryReading(msgspec.Struct, frozen=True, gc=False):
    total_bytes: int
    available_bytes: int
    used_bytes: int
    used_percent: float
    process_rss_bytes: int


class MemoryProbe(Protocol):
    def read(self) -> MemoryReading:
        """System memory now and the resident set of this process. Cheap (reads /proc),
        but still not something to do on every request."""
        ...

    def release_free_memory(self) -> None:
        """Hand heap pages the allocator keeps after large frees back to the OS, so RSS
        falls after a burst (a refused big body, a full collection)."""
        ...
