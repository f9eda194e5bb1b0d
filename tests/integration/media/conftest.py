from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from lebrq.bootstrap import create_app
from lebrq.settings import Settings
from tests.conftest import make_settings
from tests.support.apps import fast_hasher, sql_adapters_with
from tests.support.factories import RegistrationFactory

ADMIN_EMAIL = "admin@example.com"
ADMIN_PASSWORD = "admin-password-1"
# Small limits (MiB) so that "over the limit" costs little to send.
TEST_LIMITS = {"upload_poster_max_mb": 1, "upload_image_max_mb": 1, "upload_video_max_mb": 2, "upload_audio_max_mb": 1}


@pytest.fixture
def media_settings(tmp_path: Path, sqlite_database_url: str) -> Settings:
    return make_settings(
        tmp_path, sqlite_database_url, admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD, **TEST_LIMITS
    )


@pytest.fixture
def media_client(media_settings: Settings) -> Iterator[TestClient]:
    app = create_app(media_settings, adapters=sql_adapters_with(password_hasher=fast_hasher()))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def media_dir(media_settings: Settings) -> Path:
    return Path(media_settings.media_dir)


def bearer_for(client: TestClient, email: str, password: str) -> dict[str, str]:
    answer = client.post("/api/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@pytest.fixture
def admin_headers(media_client: TestClient) -> dict[str, str]:
    return bearer_for(media_client, ADMIN_EMAIL, ADMIN_PASSWORD)


@pytest.fixture
def new_user(media_client: TestClient) -> Callable[[], tuple[int, dict[str, str]]]:
    """Registers a user; returns (id, Authorization header)."""

    def register() -> tuple[int, dict[str, str]]:
        payload = RegistrationFactory.payload()
        answer = media_client.post("/api/auth/register", json=payload)
        assert answer.status_code == 201, answer.text
        return answer.json()["id"], bearer_for(media_client, str(payload["email"]), str(payload["password"]))

    return register


@pytest.fixture
def media_rows(media_settings: Settings) -> Callable[[], list[tuple]]:
    """The media table as it is committed, read straight from the SQLite file."""
    path = media_settings.database_url.removeprefix("sqlite+aiosqlite:///")

    def rows() -> list[tuple]:
        with sqlite3.connect(path) as connection:
            return connection.execute("SELECT id, kind, storage_key, sha256, size FROM media ORDER BY id").fetchall()

    return rows
