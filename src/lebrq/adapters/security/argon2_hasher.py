"""Argon2id password hashing, run in worker threads so the event loop keeps serving."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError

from lebrq.domain.model.errors import Unavailable

T = TypeVar("T")
BUSY = "password hashing is busy; try again in a moment"


class Argon2PasswordHasher:
    def __init__(
        self,
        *,
        memory_kib: int = 19456,
        time_cost: int = 2,
        parallelism: int = 1,
        concurrency: int = 2,
        queue_limit: int = 16,
    ) -> None:
        self._argon2 = _Argon2(memory_cost=memory_kib, time_cost=time_cost, parallelism=parallelism)
        # Each hash holds `memory_kib` while it runs; bound how many run at once so a
        # burst of logins cannot multiply that by anyio's default 40 threads.
        self._slots = anyio.CapacityLimiter(concurrency)
        # And how many may wait: beyond that a sign-in is refused at once (503) instead
        # of holding one of the worker's request slots while a flood drains.
        self._capacity = concurrency + queue_limit
        self._in_flight = 0

    async def hash(self, password: str) -> str:
        return await self._bounded(lambda: anyio.to_thread.run_sync(self._argon2.hash, password, limiter=self._slots))

    async def verify(self, password_hash: str, password: str) -> bool:
        return await self._bounded(
            lambda: anyio.to_thread.run_sync(self._verify, password_hash, password, limiter=self._slots)
        )

    @property
    def in_flight(self) -> int:
        """Hashes running or waiting for a slot now."""
        return self._in_flight

    async def _bounded(self, work: Callable[[], Awaitable[T]]) -> T:
        if self._in_flight >= self._capacity:
            raise Unavailable(BUSY, retry_after_seconds=1)
        self._in_flight += 1
        try:
            return await work()
        finally:
            self._in_flight -= 1

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
