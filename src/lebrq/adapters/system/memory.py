"""Memory readings of the machine and this process: /proc on Linux, psutil elsewhere."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


_MEMINFO = Path("/proc/meminfo")
_STATM = Path("/proc/self/statm")


class SystemMemoryProbe:
    """On Linux two small /proc files are read directly, the same figures psutil gives
    (MemAvailable; resident pages of statm): importing psutil costs every worker about
    1 MiB for the two numbers (issue 14). Elsewhere psutil reads them."""

    def __init__(self) -> None:
        self._psutil: Any = None
        if not (_MEMINFO.exists() and _STATM.exists()):
            import psutil

            self._psutil = psutil
        self._page_size = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
        self._malloc_trim = _find_malloc_trim()

    def read(self) -> MemoryReading:
        if self._psutil is not None:
            return self._read_with_psutil()
        total, available = _meminfo_total_and_available()
        return MemoryReading(
            total_bytes=total,
            available_bytes=available,
            used_bytes=total - available,
            used_percent=round((total - available) / total * 100, 1),
            process_rss_bytes=int(_STATM.read_text().split()[1]) * self._page_size,
        )

    def _read_with_psutil(self) -> MemoryReading:
        system = self._psutil.virtual_memory()
        return MemoryReading(
            total_bytes=system.total,
            available_bytes=system.available,
            used_bytes=system.total - system.available,
            used_percent=system.percent,
            process_rss_bytes=self._psutil.Process().memory_info().rss,
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


def _meminfo_total_and_available() -> tuple[int, int]:
    """MemTotal and MemAvailable of /proc/meminfo, in bytes (the file says kB: KiB)."""
    values: dict[str, int] = {}
    with _MEMINFO.open() as meminfo:
        for line in meminfo:
            name, _, rest = line.partition(":")
            if name in ("MemTotal", "MemAvailable"):
                values[name] = int(rest.split()[0]) * 1024
                if len(values) == 2:
                    break
    return values["MemTotal"], values["MemAvailable"]
