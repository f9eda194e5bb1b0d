from __future__ import annotations

from lebrq.ports.memory import MemoryReading


class FixedMemoryProbe:
    """A probe tests set by hand (system use as a percentage of a 4 GiB machine)."""

    TOTAL = 4 * 1024**3

    def __init__(self, used_percent: float = 40.0, process_rss_bytes: int = 80 * 1024**2) -> None:
        self.used_percent = used_percent
        self.process_rss_bytes = process_rss_bytes
        self.reads = 0
        self.releases = 0

    def read(self) -> MemoryReading:
        self.reads += 1
        used = int(self.TOTAL * self.used_percent / 100)
        return MemoryReading(
            total_bytes=self.TOTAL,
            available_bytes=self.TOTAL - used,
            used_bytes=used,
            used_percent=self.used_percent,
            process_rss_bytes=self.process_rss_bytes,
        )

    def release_free_memory(self) -> None:
        self.releases += 1
