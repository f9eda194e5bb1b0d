"""Memory levels, the guard's sampled watch and the background monitor, on a fake probe."""

from __future__ import annotations

import logging

import pytest

from lebrq.adapters.memory.memory_probe import FixedMemoryProbe
from lebrq.server.memory import MemoryLevel, MemoryLimits, MemoryMonitor, MemoryWatch

LIMITS = MemoryLimits(threshold_percent=85.0, critical_percent=90.0)


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("used_percent", "level"),
    [
        (10.0, MemoryLevel.OK),
        (85.0, MemoryLevel.OK),
        (85.1, MemoryLevel.WARNING),
        (90.0, MemoryLevel.WARNING),
        (95.0, MemoryLevel.CRITICAL),
    ],
)
def test_levels_are_strictly_above_each_mark(used_percent: float, level: MemoryLevel) -> None:
    assert LIMITS.level_of(used_percent) is level


def test_watch_reads_memory_at_most_once_per_interval_however_many_requests_ask() -> None:
    probe, clock = FixedMemoryProbe(used_percent=50.0), ManualClock()
    watch = MemoryWatch(probe, LIMITS, interval=2.0, monotonic=clock)

    for _ in range(1000):
        assert watch.level() is MemoryLevel.OK
    assert probe.reads == 1

    probe.used_percent = 95.0
    clock.now += 1.9
    assert watch.level() is MemoryLevel.OK  # still the reading of 1.9 s ago
    clock.now += 0.1
    assert watch.level() is MemoryLevel.CRITICAL
    assert probe.reads == 2


def test_watch_logs_each_change_of_level_once(caplog: pytest.LogCaptureFixture) -> None:
    probe, clock = FixedMemoryProbe(used_percent=50.0), ManualClock()
    watch = MemoryWatch(probe, LIMITS, interval=1.0, monotonic=clock)
    caplog.set_level(logging.INFO, logger="lebrq.memory")

    for used in (50.0, 87.0, 87.5, 88.0, 95.0, 96.0, 40.0, 41.0):
        probe.used_percent = used
        clock.now += 1.0
        for _ in range(5):
            watch.level()

    changes = [(r.levelname, r.getMessage().split(":")[0]) for r in caplog.records]
    assert changes == [
        ("WARNING", "memory ok -> warning"),
        ("ERROR", "memory warning -> critical"),
        ("INFO", "memory critical -> ok"),
    ]


def test_monitor_only_logs_while_memory_is_below_the_threshold(caplog: pytest.LogCaptureFixture) -> None:
    collections: list[int] = []
    monitor = MemoryMonitor(FixedMemoryProbe(used_percent=60.0), LIMITS, collect=lambda: collections.append(1) or 0)
    caplog.set_level(logging.INFO, logger="lebrq.memory")

    check = monitor.check()

    assert check.level is MemoryLevel.OK and check.collected_objects is None
    assert collections == []
    assert "process RSS 80.0 MiB, system 60.0% used" in caplog.text


def test_monitor_above_the_threshold_runs_one_collection_and_logs_what_it_freed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    probe = FixedMemoryProbe(used_percent=88.0, process_rss_bytes=300 * 1024**2)

    def collect() -> int:
        probe.process_rss_bytes = 200 * 1024**2  # the collection gave 100 MiB back
        return 1234

    caplog.set_level(logging.INFO, logger="lebrq.memory")
    check = MemoryMonitor(probe, LIMITS, collect=collect).check()

    assert check.level is MemoryLevel.WARNING
    assert check.collected_objects == 1234
    assert check.freed_bytes == 100 * 1024**2
    assert "RSS 300.0 -> 200.0 MiB (freed 100.0 MiB)" in caplog.text
