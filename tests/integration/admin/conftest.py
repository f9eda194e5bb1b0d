"""The real app on SQLite or MariaDB with an admin signed in, called through httpx's
ASGI transport in the test's event loop (requests gathered with asyncio.gather really
run at the same time). `open_api(**settings)` builds one with settings of the test's
choosing (quotas on, a metrics token, production...)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from lebrq.bootstrap import create_app
from tests.conftest import make_settings
from tests.support.apps import fast_hasher, sql_adapters_with
from tests.support.booking_factories import item_payload, program_payload, venue_payload
from tests.support.factories import RegistrationFactory

ADMIN = {"email": "admin@lebrq.test", "password": "admin-password"}


class AdminApi:
    def __init__(self, client: httpx.AsyncClient, admin: dict[str, str], media_dir: Path) -> None:
        self.client = client
        self.admin = admin
        self.media_dir = media_dir

    async def sign_in(self, email: str, password: str) -> dict[str, str]:
        response = await self.client.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    async def new_user(self) -> tuple[int, dict[str, str]]:
        registration = RegistrationFactory.payload()
        created = await self.client.post("/api/auth/register", json=registration)
        assert created.status_code == 201, created.text
        return created.json()["id"], await self.sign_in(str(registration["email"]), str(registration["password"]))

    async def created(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(path, json=body, headers=self.admin)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def venue(self, **overrides: Any) -> dict[str, Any]:
        return await self.created("/api/admin/venues", venue_payload(**overrides))

    async def item(self, **overrides: Any) -> dict[str, Any]:
        return await self.created("/api/admin/items", item_payload(**overrides))

    async def program(self, venue_id: int, **overrides: Any) -> dict[str, Any]:
        return await self.created("/api/admin/programs", program_payload(venue_id, capacity=20, **overrides))

    async def audit(self, **params: Any) -> list[dict[str, Any]]:
        response = await self.client.get("/api/admin/audit-log", params=params, headers=self.admin)
        assert response.status_code == 200, response.text
        return response.json()["items"]  # type: ignore[no-any-return]


OpenApi = Callable[..., AbstractAsyncContextManager[AdminApi]]


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def open_api(request: pytest.FixtureRequest, tmp_path: Path) -> OpenApi:
    url = request.getfixturevalue("sqlite_database_url" if request.param == "sqlite" else "mariadb_database_url")

    @asynccontextmanager
    async def open_with(**overrides: Any) -> AsyncIterator[AdminApi]:
        settings = make_settings(
            tmp_path, url, admin_email=ADMIN["email"], admin_password=ADMIN["password"], **overrides
        )
        app = create_app(settings, adapters=sql_adapters_with(password_hasher=fast_hasher()))
        transport = httpx.ASGITransport(app=app)
        async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://lebrq.test") as client:
            api = AdminApi(client, {}, Path(settings.media_dir))
            api.admin = await api.sign_in(ADMIN["email"], ADMIN["password"])
            yield api

    return open_with


@pytest.fixture
async def api(open_api: OpenApi) -> AsyncIterator[AdminApi]:
    async with open_api() as opened:
        yield opened
