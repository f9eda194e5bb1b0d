"""Building the real application for tests, with cheap password hashing and a
recording message channel swapped in the way bootstrap intends: by passing adapters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any

from lebrq.adapters.memory.message_channel import RecordingChannel
from lebrq.adapters.security.argon2_hasher import Argon2PasswordHasher
from lebrq.bootstrap import AdapterProvider, Adapters, production_adapters
from lebrq.bootstrap import memory_adapters as bootstrap_memory_adapters
from lebrq.domain.model.outbox import Channel
from lebrq.ports.messaging import MessageChannel
from lebrq.settings import Settings

TEST_JWT_SECRET = "test-secret-" + "x" * 40

# Every test client calls from one address: the per-address throttles are off unless a
# test turns them on (tests/integration/accounts does).
PER_ADDRESS_LIMITS_OFF = {
    "login_limit_per_address": "0",
    "register_limit_per_address": "0",
    "otp_limit_per_address": "0",
}


def fast_hasher() -> Argon2PasswordHasher:
    # The real Argon2id, at its cheapest settings: tests stay fast, code paths stay real.
    return Argon2PasswordHasher(memory_kib=8, time_cost=1, concurrency=4)


def recording_channels(recorder: RecordingChannel) -> dict[Channel, MessageChannel]:
    """Email and SMS both delivered to one recorder."""
    return dict.fromkeys(Channel, recorder)


def sql_adapters_with(**replacements: Any) -> AdapterProvider:
    """Production (SQL) adapters with some replaced, e.g.
    channels=recording_channels(RecordingChannel())."""

    @asynccontextmanager
    async def provide(settings: Settings) -> AsyncIterator[Adapters]:
        async with production_adapters(settings) as adapters:
            yield replace(adapters, **replacements)

    return provide


def memory_adapters(**replacements: Any) -> AdapterProvider:
    """Entirely in-memory adapters: no database at all."""

    @asynccontextmanager
    async def provide(settings: Settings) -> AsyncIterator[Adapters]:
        # The real Argon2 (cheap settings) keeps the HTTP tests' code paths real.
        async with bootstrap_memory_adapters(settings) as adapters:
            yield replace(adapters, password_hasher=fast_hasher(), **replacements)

    return provide
