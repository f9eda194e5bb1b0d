"""Health routes per API.md; readiness follows a real MariaDB going away and coming back."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from litestar.testing import TestClient

from lebrq import __version__
from lebrq.bootstrap import create_app
from tests.conftest import make_settings
from tests.support.apps import fast_hasher, sql_adapters_with
from tests.support.asgi import concurrent_client
from tests.support.tcp_proxy import TcpProxy


def test_health_is_public_and_names_the_version(client: TestClient) -> None:
    answer = client.get("/api/health")
    assert answer.status_code == 200 and answer.json() == {"status": "ok", "version": __version__}


def test_ready_when_the_database_answers(client: TestClient) -> None:
    assert client.get("/api/health/ready").status_code == 200


def test_pool_reports_the_configured_pool(client: TestClient) -> None:
    pool = client.get("/api/health/pool").json()
    assert set(pool) == {"size", "checked_in", "checked_out", "overflow", "max_overflow"}
    assert pool["size"] == 2 and pool["max_overflow"] == 2
    # Background work (the hold sweep) may hold a connection at that moment.
    assert 0 <= pool["checked_out"] <= pool["size"] + pool["max_overflow"]


@pytest.mark.anyio
async def test_ready_is_503_while_mariadb_is_unreachable_and_recovers(
    mariadb_database_url: str, tmp_path: Path
) -> None:
    server = urlsplit(mariadb_database_url.replace("mysql+asyncmy", "mysql"))
    proxy = TcpProxy(server.hostname or "127.0.0.1", server.port or 3306)
    await proxy.start()
    proxied_url = mariadb_database_url.replace(f"{server.hostname}:{server.port}", f"127.0.0.1:{proxy.port}")
    app = create_app(make_settings(tmp_path, proxied_url), adapters=sql_adapters_with(password_hasher=fast_hasher()))
    async with concurrent_client(app) as client:
        assert (await client.get("/api/health/ready")).status_code == 200
        await proxy.cut()
        down = await client.get("/api/health/ready")
        assert down.status_code == 503 and "Retry-After" in down.headers
        assert down.json()["database"] == "unavailable" and down.json()["storage"] == "ok"
        assert (await client.get("/api/health")).status_code == 200  # liveness does not depend on the database
        await proxy.start()
        assert (await client.get("/api/health/ready")).status_code == 200
    await proxy.cut()
