"""Memory levels and the two watchers built on them.

`MemoryWatch` answers "may this request go ahead?" from a reading at most `interval`
seconds old, so a busy worker reads /proc a few times a minute, not once per request.
`MemoryMonitor` runs in the background: it logs the process and system use and, above
the threshold, runs one full garbage collection and logs what that gave back.
"""

from __future__ import annotations

import enum
import gc
import logging
import time
from collections.abc import Callable

import msgspec

from lebrq.ports.memory import MemoryProbe, MemoryReading

logger = logging.getLogger("lebrq.memory")

MIB = 1024 * 1024


class MemoryLevel(enum.StrEnum):
    OK = "ok"
    WARNING = "warning"  # above the threshold: shed load
    CRITICAL = "critical"  # above the critical mark: shed load, and the collector is not keeping up


class MemoryLimits(msgspec.Struct, frozen=True, gc=False):
    threshold_percent: float
    critical_percent: float

    def level_of(self, used_percent: float) -> MemoryLevel:
        if used_percent > self.critical_percent:
            return MemoryLevel.CRITICAL
        if used_percent > self.threshold_percent:
            return MemoryLevel.WARNING
        return MemoryLevel.OK


class MemoryWatch:
    """The guard's view of memory: a cached level, refreshed when older than `interval`."""

    def __init__(
        self,
        probe: MemoryProbe,
        limits: MemoryLimits,
        *,
        interval: float = 2.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.probe = probe
        self.limits = limits
        self._interval = interval
        self._monotonic = monotonic
        self._level = MemoryLevel.OK
        self._next_read = float("-inf")

    def level(self) -> MemoryLevel:
        now = self._monotonic()
        if now >= self._next_read:
            self._next_read = now + self._interval
            self._update(self.probe.read())
        return self._level

    def _update(self, reading: MemoryReading) -> None:
        level = self.limits.level_of(reading.used_percent)
        if level is self._level:
            return
        # Logged once per change, not per refused request.
        log = (
            logger.info if level is MemoryLevel.OK else logger.warning if level is MemoryLevel.WARNING else logger.error
        )
        log(
            "memory %s -> %s: system %.1f%% used (threshold %.1f%%, critical %.1f%%), process RSS %.1f MiB",
            self._level,
            level,
            reading.used_percent,
            self.limits.threshold_percent,
            self.limits.critical_percent,
            reading.process_rss_bytes / MIB,
            extra={"memory_level": str(level), "used_percent": reading.used_percent},
        )
        self._level = level


class MemoryCheck(msgspec.Struct, frozen=True, gc=False):
    reading: MemoryReading
    level: MemoryLevel
    collected_objects: int | None = None  # set when a collection ran
    freed_bytes: int | None = None  # process RSS given back by that collection


class MemoryMonitor:
    def __init__(self, probe: MemoryProbe, limits: MemoryLimits, *, collect: Callable[[], int] = gc.collect) -> None:
        self._probe = probe
        self._limits = limits
        self._collect = collect

    def check(self) -> MemoryCheck:
        reading = self._probe.read()
        level = self._limits.level_of(reading.used_percent)
        logger.info(
            "memory: process RSS %.1f MiB, system %.1f%% used, %.0f MiB available (%s)",
            reading.process_rss_bytes / MIB,
            reading.used_percent,
            reading.available_bytes / MIB,
            level,
            extra={"process_rss_bytes": reading.process_rss_bytes, "used_percent": reading.used_percent},
        )
        if level is MemoryLevel.OK:
            return MemoryCheck(reading=reading, level=level)
        collected = self._collect()
        self._probe.release_free_memory()
        after = self._probe.read()
        freed = max(0, reading.process_rss_bytes - after.process_rss_bytes)
        logger.warning(
            "memory above %.1f%%: full collection found %d unreachable objects, RSS %.1f -> %.1f MiB (freed %.1f MiB)",
            self._limits.threshold_percent,
            collected,
            reading.process_rss_bytes / MIB,
            after.process_rss_bytes / MIB,
            freed / MIB,
            extra={"collected_objects": collected, "freed_bytes": freed},
        )
        return MemoryCheck(
            reading=after,
            level=self._limits.level_of(after.used_percent),
            collected_objects=collected,
            freed_bytes=freed,
        )
