"""Memory readings from psutil (/proc on Linux)."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from collections.abc import Callable

import psutil

from lebrq.ports.memory import MemoryReading

logger = logging.getLogger("lebrq.memory")

# glibc's mallopt parameter number for the mmap threshold (<malloc.h>).
_M_MMAP_THRESHOLD = -3
# Blocks at least this large get their own mapping, returned to the system when freed.
LARGE_BLOCK_BYTES = 1024 * 1024


def return_large_blocks_to_the_system(threshold_bytes: int = LARGE_BLOCK_BYTES) -> bool:
    """Serve every malloc of `threshold_bytes` or more from its own mmap, so freeing it
    gives the memory back at once. glibc starts at 128 KiB but raises the threshold
    (up to 32 MiB) each time such a block is freed, after which big short-lived blocks
    come from the heap and stay there: one sign-in (Argon2 with 19 MiB of memory) left
    the worker 20 MiB larger for good, a 1 GiB upload and download +10 MiB more
    (issue 14, docs/benchmarks.md). A fixed threshold stops that adjustment. Blocks
    below it (the storage's 512 KiB read chunks, request buffers) are still reused from
    the heap. False where mallopt does not exist (not glibc)."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt if name else None
    except (OSError, AttributeError):
        mallopt = None
    if mallopt is None:
        logger.info("mallopt is not available: large freed blocks may stay with the allocator")
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, threshold_bytes))


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
