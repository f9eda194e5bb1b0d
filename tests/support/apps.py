"""Building the real application for tests, with cheap password hashing and a
recording OTP sender swapped in the way bootstrap intends: by passing adapters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from lebrq.adapters.memory.health import MemoryDatabaseHealth
from lebrq.adapters.memory.otp_sender import RecordingOtpSender
from lebrq.adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from lebrq.adapters.pdf.renderer import Fpdf2DocumentRenderer
from lebrq.adapters.security.argon2_hasher import Argon2PasswordHasher
from lebrq.adapters.storage.memory import MemoryBlobStorage
from lebrq.adapters.system.clock import SystemClock
from lebrq.bootstrap import AdapterProvider, Adapters, production_adapters
from lebrq.settings import Settings

TEST_JWT_SECRET = "test-secret-" + "x" * 40


def fast_hasher() -> Argon2PasswordHasher:
    # The real Argon2id, at its cheapest settings: tests stay fast, code paths stay real.
    return Argon2PasswordHasher(memory_kib=8, time_cost=1, concurrency=4)


def sql_adapters_with(**replacements: Any) -> AdapterProvider:
    """Production (SQL) adapters with some replaced, e.g. otp_sender=RecordingOtpSender()."""

    @asynccontextmanager
    async def provide(settings: Settings) -> AsyncIterator[Adapters]:
        async with production_adapters(settings) as adapters:
            yield replace(adapters, **replacements)

    return provide


def memory_adapters(**replacements: Any) -> AdapterProvider:
    """Entirely in-memory adapters: no database at all."""

    @asynccontextmanager
    async def provide(settings: Settings) -> AsyncIterator[Adapters]:
        # Threads, not a child process: cheaper for tests; the layout code is the same.
        renderer = Fpdf2DocumentRenderer("thread")
        adapters = Adapters(
            uow=MemoryUnitOfWorkFactory(),
            database=MemoryDatabaseHealth(),
            password_hasher=fast_hasher(),
            otp_sender=RecordingOtpSender(),
            clock=SystemClock(),
            blob_storage=MemoryBlobStorage(),
            document_renderer=renderer,
        )
        try:
            yield replace(adapters, **replacements)
        finally:
            renderer.close()

    return provide
