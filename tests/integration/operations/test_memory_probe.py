"""The memory guard's readings come from /proc without psutil (issue 14: psutil costs
every worker ~1 MiB for two numbers); they must agree with psutil's, which the guard
used before, or its thresholds would mean something else."""

from __future__ import annotations

import psutil

from lebrq.adapters.system.memory import SystemMemoryProbe


def test_the_readings_match_what_psutil_reports() -> None:
    reading = SystemMemoryProbe().read()
    system, rss = psutil.virtual_memory(), psutil.Process().memory_info().rss
    assert reading.total_bytes == system.total
    # Available memory and our own RSS move a little between the two reads.
    assert abs(reading.available_bytes - system.available) < 64 * 2**20
    assert reading.used_bytes == reading.total_bytes - reading.available_bytes
    assert abs(reading.used_percent - system.percent) < 1.0
    assert abs(reading.process_rss_bytes - rss) < 16 * 2**20


def test_the_process_reading_follows_this_process_growing() -> None:
    probe = SystemMemoryProbe()
    before = probe.read().process_rss_bytes
    ballast = bytearray(64 * 2**20)  # touched pages: zero-filled, so resident
    grown = probe.read().process_rss_bytes
    del ballast
    assert grown - before >= 60 * 2**20
