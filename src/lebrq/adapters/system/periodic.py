"""Background jobs the lifespan owns: they run until the app shuts down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any

logger = logging.getLogger("lebrq.periodic")


@asynccontextmanager
async def run_periodically(
    job: Callable[[], Awaitable[object]], *, every_seconds: float, name: str, first_after_seconds: float = 0
) -> AsyncIterator[None]:
    """Runs `job` now (or after `first_after_seconds`) and then every `every_seconds` while
    the block is open; on exit the task is cancelled and awaited, so shutdown never leaves
    it half-way with a connection checked out. A failing run is logged and the next one
    still happens."""

    async def loop() -> None:
        await asyncio.sleep(first_after_seconds)
        while True:
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("periodic job %s failed; retrying in %s s", name, every_seconds)
            await asyncio.sleep(every_seconds)

    async with run_in_background(loop, name=name):
        yield


@asynccontextmanager
async def run_in_background(job: Callable[[], Coroutine[Any, Any, object]], *, name: str) -> AsyncIterator[None]:
    """Runs `job` as a task while the block is open; on exit the task is cancelled and
    awaited, so shutdown never leaves it half-way with a connection checked out."""
    task = asyncio.create_task(job(), name=name)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
