"""The accounts tests: the real app over HTTP on SQLite and on MariaDB."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from litestar.testing import TestClient

from lebrq.adapters.memory.message_channel import RecordingChannel
from lebrq.bootstrap import create_app
from tests.conftest import make_settings
from tests.support.apps import fast_hasher, recording_channels, sql_adapters_with
from tests.support.databases import sync_url

ADMIN_EMAIL = "operator@example.com"
ADMIN_PASSWORD = "operator-password-1"


@pytest.fixture
def start_app(
    tmp_path: Path, sql_database_url: str, otp_sender: RecordingChannel
) -> Iterator[Callable[..., TestClient]]:
    """Starts the app on this test's database (SQLite or MariaDB) with settings
    overrides; several may run in turn, like restarts. All stop at teardown."""
    clients: list[TestClient] = []

    def start(**overrides: Any) -> TestClient:
        settings = make_settings(tmp_path, sql_database_url, **overrides)
        app = create_app(
            settings, adapters=sql_adapters_with(password_hasher=fast_hasher(), channels=recording_channels(otp_sender))
        )
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return client

    yield start
    for client in reversed(clients):
        client.__exit__(None, None, None)


@pytest.fixture
def client(start_app: Callable[..., TestClient]) -> TestClient:
    return start_app(admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD)


@pytest.fixture
def database(sql_database_url: str) -> Iterator[sa.Engine]:
    """A plain synchronous connection to the same database, to look at and change rows
    the way another worker (or an admin on another machine) would."""
    engine = sa.create_engine(sync_url(sql_database_url))
    yield engine
    engine.dispose()


def login(client: TestClient, email: str, password: str) -> Any:
    return client.post("/api/auth/login", json={"email": email, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def signed_in(client: TestClient, email: str, password: str) -> dict[str, Any]:
    answer = login(client, email, password)
    assert answer.status_code == 200, answer.text
    return answer.json()


def otp_sign_in(client: TestClient, sender: RecordingChannel, destination: str) -> dict[str, Any]:
    asked = client.post("/api/auth/otp/request", json={"destination": destination})
    assert asked.status_code == 202, asked.text
    answer = client.post(
        "/api/auth/otp/verify", json={"destination": destination, "code": sender.last_code(destination)}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()
