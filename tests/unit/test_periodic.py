"""The lifespan's periodic job (the booking-hold sweep runs on it): repeats, survives a
failing run, and is cancelled and awaited when the block closes."""

from __future__ import annotations

import asyncio

import pytest

from lebrq.adapters.system.periodic import run_periodically

pytestmark = pytest.mark.anyio


async def test_runs_repeatedly_survives_failures_and_stops_on_exit() -> None:
    runs: list[int] = []
    four_runs = asyncio.Event()

    async def job() -> None:
        runs.append(len(runs))
        if len(runs) >= 4:
            four_runs.set()
        if len(runs) == 2:
            raise RuntimeError("database briefly away")

    async with run_periodically(job, every_seconds=0.01, name="test-sweep"):
        await asyncio.wait_for(four_runs.wait(), timeout=10)
    stopped_at = len(runs)
    await asyncio.sleep(0.05)
    assert len(runs) == stopped_at >= 4
    assert not [task for task in asyncio.all_tasks() if task.get_name() == "test-sweep"]


async def test_the_first_run_may_wait() -> None:
    runs: list[float] = []
    ran = asyncio.Event()

    async def job() -> None:
        runs.append(asyncio.get_running_loop().time())
        ran.set()

    async with run_periodically(job, every_seconds=10, name="test-delayed", first_after_seconds=3600):
        await asyncio.sleep(0.05)
        assert runs == []
    async with run_periodically(job, every_seconds=10, name="test-delayed", first_after_seconds=0.01):
        await asyncio.wait_for(ran.wait(), timeout=10)
    assert len(runs) == 1
