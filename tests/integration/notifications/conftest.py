from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from lebrq.bootstrap import create_app
from lebrq.settings import Settings
from tests.conftest import make_settings
from tests.integration.media.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, bearer_for
from tests.support.apps import fast_hasher, sql_adapters_with
from tests.support.factories import RegistrationFactory
from tests.support.outbox import SmtpInbox, free_port, smtp_server

MAIL_FROM = "LeBRQ Bookings <bookings@lebrq.test>"


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def smtp(smtp_port: int) -> Iterator[SmtpInbox]:
    """A real SMTP server (aiosmtpd) on `smtp_port`."""
    with smtp_server(smtp_port) as (inbox, _):
        yield inbox


def mail_settings(tmp_path: Path, database_url: str, smtp_port: int, **overrides: object) -> Settings:
    """The service sending real email to 127.0.0.1:smtp_port, retrying quickly."""
    fields: dict[str, object] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_port,
        "smtp_security": "none",
        "mail_from": MAIL_FROM,
        "outbox_retry_seconds": 0.2,
        "outbox_poll_seconds": 0.5,
        "pdf_render_pool": "thread",
        "admin_email": ADMIN_EMAIL,
        "admin_password": ADMIN_PASSWORD,
        "seller_name": "LeBRQ Events LLP",
        "seller_gstin": "29ABCDE1234F1Z5",
    }
    fields.update(overrides)
    return make_settings(tmp_path, database_url, **fields)


@pytest.fixture
def mail_api_settings(tmp_path: Path, sql_database_url: str, smtp_port: int) -> Settings:
    return mail_settings(tmp_path, sql_database_url, smtp_port)


@pytest.fixture
def mail_api(mail_api_settings: Settings) -> Iterator[TestClient]:
    """The real app (SQL adapters, real SMTP channel from settings) on SQLite and MariaDB."""
    app = create_app(mail_api_settings, adapters=sql_adapters_with(password_hasher=fast_hasher()))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def admin(mail_api: TestClient) -> dict[str, str]:
    return bearer_for(mail_api, ADMIN_EMAIL, ADMIN_PASSWORD)


@pytest.fixture
def new_user(mail_api: TestClient) -> Callable[..., tuple[str, dict[str, str]]]:
    """Registers a user; returns (email, Authorization header)."""

    def register(**overrides: object) -> tuple[str, dict[str, str]]:
        payload = RegistrationFactory.payload(**overrides)
        answer = mail_api.post("/api/auth/register", json=payload)
        assert answer.status_code == 201, answer.text
        return str(payload["email"]), bearer_for(mail_api, str(payload["email"]), str(payload["password"]))

    return register


def outbox_when(
    api: TestClient,
    admin: dict[str, str],
    ready: Callable[[list[dict]], bool],
    *,
    status: str | None = None,
    timeout: float = 15.0,
) -> list[dict]:
    """Polls GET /api/admin/outbox (newest first, up to 100) until `ready(items)`."""
    params = {"page_size": "100", **({"status": status} if status else {})}
    deadline = time.monotonic() + timeout
    while True:
        items = api.get("/api/admin/outbox", params=params, headers=admin).json()["items"]
        if ready(items):
            return items
        assert time.monotonic() < deadline, f"outbox not as expected within {timeout} s: {items}"
        time.sleep(0.1)
