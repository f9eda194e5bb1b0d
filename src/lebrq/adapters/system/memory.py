"""Memory readings from psutil (/proc on Linux)."""

from __future__ import annotations

import psutil

from lebrq.ports.memory import MemoryReading


class PsutilMemoryProbe:
    def __init__(self) -> None:
        self._process = psutil.Process()

    def read(self) -> MemoryReading:
        system = psutil.virtual_memory()
        return MemoryReading(
            total_bytes=system.total,
            available_bytes=system.available,
            used_bytes=system.total - system.available,
            used_percent=system.percent,
            process_rss_bytes=self._process.memory_info().rss,
        )

