"""Memory readings from psutil (/proc on Linux)."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from collections.abc import Callable

import psutil

from lebrq.ports.memory import MemoryReading

logger = logging.getLogger("lebrq.memory")


class PsutilMemoryProbe:
    def __init__(self) -> None:
        self._process = psutil.Process()
        self._malloc_trim = _find_malloc_trim()

    def read(self) -> MemoryReading:
        system = psutil.virtual_memory()
        return MemoryReading(
            total_bytes=system.total,
            available_bytes=system.available,
            used_bytes=system.total - system.available,
            used_percent=system.percent,
            process_rss_bytes=self._process.memory_info().rss,
        )

    def release_free_memory(self) -> None:
        # glibc keeps freed heap memory for reuse; after a 15 MB body is refused that is
        # megabytes of RSS nobody uses. malloc_trim(0) returns it. Other C libraries: no-op.
        if self._malloc_trim is not None:
            self._malloc_trim(0)


def _find_malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        trim = None
    if trim is None:
        logger.info("malloc_trim is not available: freed heap memory stays with the allocator")
    return trim
