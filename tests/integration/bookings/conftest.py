"""The real app on SQLite or MariaDB with an admin and two signed-in users, called through
httpx's ASGI transport in the test's own event loop, so requests gathered with
asyncio.gather really run at the same time (Litestar's AsyncTestClient runs each request
to completion in a blocking portal, one after another)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from lebrq.bootstrap import create_app
from tests.conftest import make_settings
from tests.support.accounts import new_user, sign_in
from tests.support.apps import fast_hasher, sql_adapters_with
from tests.support.booking_factories import item_payload, venue_payload

ADMIN = {"email": "admin@lebrq.test", "password": "admin-password"}


class Api:
    def __init__(
        self, client: httpx.AsyncClient, admin: dict[str, str], alice: dict[str, str], bob: dict[str, str]
    ) -> None:
        self.client = client
        self.admin, self.alice, self.bob = admin, alice, bob

    async def venue(self, **overrides: Any) -> dict[str, Any]:
        response = await self.client.post("/api/admin/venues", json=venue_payload(**overrides), headers=self.admin)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def item(self, **overrides: Any) -> dict[str, Any]:
        response = await self.client.post("/api/admin/items", json=item_payload(**overrides), headers=self.admin)
        assert response.status_code == 201, response.text
        return response.json()  # type: ignore[no-any-return]

    async def book(self, body: dict[str, Any], who: dict[str, str] | None = None, **headers: str) -> Any:
        return await self.client.post("/api/bookings", json=body, headers={**(who or self.alice), **headers})


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
async def api(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Api]:
    url = request.getfixturevalue("sqlite_database_url" if request.param == "sqlite" else "mariadb_database_url")
    settings = make_settings(tmp_path, url, admin_email=ADMIN["email"], admin_password=ADMIN["password"])
    app = create_app(settings, adapters=sql_adapters_with(password_hasher=fast_hasher()))
    transport = httpx.ASGITransport(app=app)
    async with app.lifespan(), httpx.AsyncClient(transport=transport, base_url="http://lebrq.test") as client:
        yield Api(client, await sign_in(client, ADMIN), await new_user(client), await new_user(client))
