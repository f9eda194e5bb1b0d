from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from lebrq.bootstrap import Adapters, build_services, create_app, production_adapters
from lebrq.http.services import Services
from tests.conftest import make_settings
from tests.integration.media.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, bearer_for
from tests.support.apps import fast_hasher, sql_adapters_with
from tests.support.factories import RegistrationFactory


@pytest.fixture
async def sql_world(sql_database_url: str, tmp_path: Path) -> AsyncIterator[tuple[Services, Adapters]]:
    """The production wiring (SQL, filesystem storage, process-pool renderer) on SQLite
    and on MariaDB, with a pool big enough for the concurrency tests to really overlap."""
    settings = make_settings(
        tmp_path, sql_database_url, db_pool_size=6, db_max_overflow=6, seller_gstin="29ABCDE1234F1Z5"
    )
    async with production_adapters(settings) as adapters:
        adapters.password_hasher = fast_hasher()
        yield build_services(settings, adapters), adapters


@pytest.fixture
def api(tmp_path: Path, sqlite_database_url: str) -> Iterator[TestClient]:
    """The real app over HTTP on SQLite with an admin account; PDFs render in the
    production process pool."""
    settings = make_settings(
        tmp_path,
        sqlite_database_url,
        admin_email=ADMIN_EMAIL,
        admin_password=ADMIN_PASSWORD,
        seller_name="LeBRQ Events LLP",
        seller_gstin="29ABCDE1234F1Z5",
        seller_address="12 MG Road, Bengaluru 560001",
    )
    app = create_app(settings, adapters=sql_adapters_with(password_hasher=fast_hasher()))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def admin(api: TestClient) -> dict[str, str]:
    return bearer_for(api, ADMIN_EMAIL, ADMIN_PASSWORD)


@pytest.fixture
def new_user(api: TestClient) -> Callable[..., tuple[int, dict[str, str]]]:
    """Registers a user (optionally with a given name); returns (id, Authorization header)."""

    def register(**overrides: object) -> tuple[int, dict[str, str]]:
        payload = RegistrationFactory.payload(**overrides)
        answer = api.post("/api/auth/register", json=payload)
        assert answer.status_code == 201, answer.text
        return answer.json()["id"], bearer_for(api, str(payload["email"]), str(payload["password"]))

    return register
