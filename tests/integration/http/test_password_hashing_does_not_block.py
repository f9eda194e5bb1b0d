"""A slow Argon2 hash runs in a worker thread: other requests are answered meanwhile."""

from __future__ import annotations

import asyncio

import pytest

from lebrq.adapters.security.argon2_hasher import Argon2PasswordHasher
from lebrq.bootstrap import create_app
from lebrq.settings import Settings
from tests.support.apps import sql_adapters_with
from tests.support.asgi import concurrent_client
from tests.support.factories import RegistrationFactory

pytestmark = pytest.mark.anyio


async def test_health_answers_while_a_registration_is_hashing(settings: Settings) -> None:
    # Deliberately expensive (~2 s here): if hashing ran on the event loop, no other
    # request could complete until the registration had.
    slow = Argon2PasswordHasher(memory_kib=64 * 1024, time_cost=40, concurrency=1)
    app = create_app(settings, adapters=sql_adapters_with(password_hasher=slow))
    async with concurrent_client(app) as client:
        registration = asyncio.create_task(client.post("/api/auth/register", json=RegistrationFactory.payload()))
        await asyncio.sleep(0.05)  # let the registration reach the hasher
        answered_meanwhile = 0
        for _ in range(20):
            health = await client.get("/api/health")
            assert health.status_code == 200
            if not registration.done():
                answered_meanwhile += 1
        registered = await registration
    assert registered.status_code == 201
    assert answered_meanwhile == 20
