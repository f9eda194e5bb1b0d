"""CORS_ALLOW_ORIGINS: a browser page on a listed origin may call the API (preflight and
real request); a page on any other origin gets no CORS permission; none by default."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from lebrq.bootstrap import create_app
from lebrq.settings import SettingsError, settings_from_env
from tests.conftest import make_settings
from tests.support.apps import fast_hasher, sql_adapters_with

ALLOWED = "https://app.lebrq.test"
ALSO_ALLOWED = "http://localhost:5173"
REFUSED = "https://evil.example"
ADMIN = {"email": "cors-admin@lebrq.test", "password": "cors-admin-password"}


def _client(tmp_path: Path, database_url: str, origins: str) -> TestClient:
    settings = make_settings(
        tmp_path, database_url, cors_allow_origins=origins, admin_email=ADMIN["email"], admin_password=ADMIN["password"]
    )
    return TestClient(create_app(settings, adapters=sql_adapters_with(password_hasher=fast_hasher())))


@pytest.fixture
def cors_client(tmp_path: Path, sqlite_database_url: str) -> Iterator[TestClient]:
    with _client(tmp_path, sqlite_database_url, f"{ALLOWED}, {ALSO_ALLOWED}") as client:
        yield client


def _preflight(client: TestClient, origin: str, method: str, headers: str) -> object:
    return client.options(
        "/api/bookings",
        headers={"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers},
    )


def test_preflight_from_an_allowed_origin_permits_the_api_headers(cors_client: TestClient) -> None:
    answer = _preflight(cors_client, ALLOWED, "POST", "authorization, content-type, idempotency-key")
    assert answer.status_code in (200, 204)
    assert answer.headers["access-control-allow-origin"] == ALLOWED
    allowed_headers = answer.headers["access-control-allow-headers"].lower()
    for header in ("authorization", "content-type", "idempotency-key"):
        assert header in allowed_headers
    assert "POST" in answer.headers["access-control-allow-methods"]
    assert "access-control-allow-credentials" not in answer.headers
    assert int(answer.headers["access-control-max-age"]) > 0


def test_real_request_from_an_allowed_origin_exposes_what_clients_read(cors_client: TestClient) -> None:
    token = cors_client.post("/api/auth/login", json=ADMIN).json()["access_token"]
    answer = cors_client.get(
        "/api/admin/bookings", headers={"Origin": ALSO_ALLOWED, "Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == ALSO_ALLOWED
    exposed = answer.headers["access-control-expose-headers"].lower()
    for header in ("content-range", "etag", "retry-after", "x-request-id"):
        assert header in exposed
    assert "origin" in answer.headers.get("vary", "").lower()


def test_a_refused_origin_gets_no_permission(cors_client: TestClient) -> None:
    preflight = _preflight(cors_client, REFUSED, "POST", "authorization")
    assert preflight.status_code >= 400 or "access-control-allow-origin" not in preflight.headers
    assert preflight.headers.get("access-control-allow-origin") not in (REFUSED, "*")
    real = cors_client.get("/api/venues", headers={"Origin": REFUSED})
    assert real.status_code == 200  # the server answers; the browser withholds it from the page
    assert "access-control-allow-origin" not in real.headers


def test_no_origin_is_allowed_by_default(client: TestClient) -> None:
    preflight = _preflight(client, ALLOWED, "GET", "authorization")
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-origin" not in client.get("/api/venues", headers={"Origin": ALLOWED}).headers


@pytest.mark.parametrize("bad", ["*", "https://app.test/path", "app.test", "https://APP.test", "ftp://app.test"])
def test_a_bad_origin_setting_stops_start_up_naming_the_variable(bad: str) -> None:
    with pytest.raises(SettingsError, match="CORS_ALLOW_ORIGINS"):
        settings_from_env({"CORS_ALLOW_ORIGINS": f"{ALLOWED},{bad}"}, jwt_secret="x" * 40)
