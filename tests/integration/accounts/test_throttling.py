"""Throttles over HTTP, counted in the database: on SQLite, on MariaDB, and across
two Granian workers; the bounded password-hashing queue."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from litestar.testing import TestClient

from lebrq.adapters.security.argon2_hasher import Argon2PasswordHasher
from lebrq.bootstrap import create_app
from lebrq.settings import Settings
from tests.integration.accounts.conftest import login
from tests.support.apps import sql_adapters_with
from tests.support.asgi import concurrent_client
from tests.support.factories import RegistrationFactory
from tests.support.granian_process import ServiceStarter


def test_twenty_wrong_passwords_are_refused_with_429_and_retry_after(client: TestClient) -> None:
    user = RegistrationFactory.payload()
    client.post("/api/auth/register", json=user)
    statuses = [login(client, user["email"], f"wrong-guess-{n}").status_code for n in range(20)]
    assert statuses == [401] * 10 + [429] * 10
    locked = login(client, user["email"], user["password"])  # even the right one, while locked
    assert locked.status_code == 429
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60
    assert locked.json()["extra"]["retry_after_seconds"] == int(locked.headers["Retry-After"])


def test_a_successful_sign_in_clears_the_accounts_count(client: TestClient) -> None:
    user = RegistrationFactory.payload()
    client.post("/api/auth/register", json=user)
    for round_ in range(3):
        for n in range(9):
            assert login(client, user["email"], f"wrong-{round_}-{n}").status_code == 401
        assert login(client, user["email"], user["password"]).status_code == 200


def test_the_per_address_limits_count_every_account_and_registration(start_app: Callable[..., TestClient]) -> None:
    client = start_app(login_limit_per_address="5/15m", register_limit_per_address="3/1h", otp_limit_per_address="4/1h")
    registrations = [client.post("/api/auth/register", json=RegistrationFactory.payload()) for _ in range(4)]
    assert [r.status_code for r in registrations] == [201, 201, 201, 429]
    assert "Retry-After" in registrations[-1].headers
    logins = [login(client, f"someone{n}@example.com", "any-password").status_code for n in range(6)]
    assert logins == [401] * 5 + [429]
    codes = [
        client.post("/api/auth/otp/request", json={"destination": f"+9198765432{n:02d}"}).status_code for n in range(5)
    ]
    assert codes == [202] * 4 + [429]


def test_bad_limit_settings_name_the_variable(start_app: Callable[..., TestClient]) -> None:
    from lebrq.settings import SettingsError

    with pytest.raises(SettingsError, match="LOGIN_LIMIT_PER_ACCOUNT"):
        start_app(login_limit_per_account="ten per minute")


def test_wrong_passwords_are_counted_together_by_two_granian_workers(
    granian_service: ServiceStarter, sql_database_url: str
) -> None:
    service = granian_service(config={"workers": 2}, env={"DATABASE_URL": sql_database_url})
    # A new connection per request: the kernel hands each to either worker.
    with service.client(headers={"Connection": "close"}) as client:
        user = RegistrationFactory.payload()
        assert client.post("/api/auth/register", json=user).status_code == 201
        statuses = []
        for n in range(20):
            answer = client.post("/api/auth/login", json={"email": user["email"], "password": f"wrong-{n}"})
            statuses.append(answer.status_code)
        assert statuses == [401] * 10 + [429] * 10
        assert int(answer.headers["Retry-After"]) > 0


@pytest.mark.anyio
async def test_with_the_hash_queue_full_a_login_gets_503_at_once_and_other_routes_answer(settings: Settings) -> None:
    # ~2 s a hash here; one at a time, one waiting: the third sign-in finds the queue full.
    slow = Argon2PasswordHasher(memory_kib=64 * 1024, time_cost=40, concurrency=1, queue_limit=1)
    app = create_app(settings, adapters=sql_adapters_with(password_hasher=slow))
    async with concurrent_client(app) as client:
        running = [
            asyncio.create_task(
                client.post("/api/auth/login", json={"email": f"a{n}@example.com", "password": "pw-12345678"})
            )
            for n in range(2)
        ]
        await _until_hashing(slow, 2)
        refused = await client.post("/api/auth/login", json={"email": "b@example.com", "password": "pw-12345678"})
        assert refused.status_code == 503
        assert int(refused.headers["Retry-After"]) >= 1
        assert not any(task.done() for task in running)  # answered while both still hash
        for _ in range(5):
            assert (await client.get("/api/health")).status_code == 200
            assert (await client.get("/api/venues")).status_code == 200
        assert not all(task.done() for task in running)
        assert [(await task).status_code for task in running] == [401, 401]


async def _until_hashing(hasher: Argon2PasswordHasher, count: int) -> None:
    for _ in range(500):
        if hasher.in_flight >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"never {count} sign-ins at the hasher")
