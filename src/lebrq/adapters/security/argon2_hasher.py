"""Argon2id password hashing, run in worker threads so the event loop keeps serving."""

from __future__ import annotations

import anyio
from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2PasswordHasher:
    def __init__(
        self, *, memory_kib: int = 19456, time_cost: int = 2, parallelism: int = 1, concurrency: int = 2
    ) -> None:
        self._argon2 = _Argon2(memory_cost=memory_kib, time_cost=time_cost, parallelism=parallelism)
        # Each hash holds `memory_kib` while it runs; bound how many run at once so a
        # burst of logins cannot multiply that by anyio's default 40 threads.
        self._slots = anyio.CapacityLimiter(concurrency)

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self._argon2.hash, password, limiter=self._slots)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await anyio.to_thread.run_sync(self._verify, password_hash, password, limiter=self._slots)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._argon2.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
