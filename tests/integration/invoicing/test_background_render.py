"""Confirming a booking renders its invoice in the background: the PDF is in storage
before anyone asks for it. A failed background render is logged, and the download
still renders on demand."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from lebrq.adapters.pdf.renderer import Fpdf2DocumentRenderer
from lebrq.bootstrap import create_app
from lebrq.domain.model.tax_documents import TaxDocument
from tests.conftest import make_settings
from tests.integration.invoicing.test_invoices_api import book_and_confirm
from tests.integration.media.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, bearer_for
from tests.support.apps import fast_hasher, sql_adapters_with
from tests.support.factories import RegistrationFactory


class FailingOnceRenderer:
    """Fails its first render (like a child that crashed), then renders for real."""

    def __init__(self) -> None:
        self.calls = 0
        self._real = Fpdf2DocumentRenderer("thread")

    async def render(self, document: TaxDocument) -> bytes:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("renderer crashed")
        return await self._real.render(document)


def stored_pdfs(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "var" / "media" / "documents").rglob("*.pdf"))


def wait_for(condition, seconds: float = 30.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


def client_with(tmp_path: Path, sqlite_database_url: str, **adapters: object) -> TestClient:
    settings = make_settings(tmp_path, sqlite_database_url, admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD)
    app = create_app(settings, adapters=sql_adapters_with(password_hasher=fast_hasher(), **adapters))
    return TestClient(app, raise_server_exceptions=False)


def register(api: TestClient) -> dict[str, str]:
    payload = RegistrationFactory.payload()
    assert api.post("/api/auth/register", json=payload).status_code == 201
    return bearer_for(api, str(payload["email"]), str(payload["password"]))


class Recorded(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logged_errors() -> Iterator[Recorded]:
    # On the logger itself: the app's logging set-up replaces the root's handlers (caplog's).
    handler, logger = Recorded(), logging.getLogger("lebrq.documents")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def test_confirmation_renders_the_invoice_before_the_first_download(tmp_path: Path, sqlite_database_url: str) -> None:
    with client_with(tmp_path, sqlite_database_url) as api:
        admin = bearer_for(api, ADMIN_EMAIL, ADMIN_PASSWORD)
        user = register(api)
        booking = book_and_confirm(api, admin, user)
        assert wait_for(lambda: len(stored_pdfs(tmp_path)) == 1), "no PDF stored after confirmation"
        (stored,) = stored_pdfs(tmp_path)
        download = api.get(f"/api/bookings/{booking['id']}/invoice", headers=user)
        assert download.status_code == 200
        assert download.content == stored.read_bytes()
        assert stored_pdfs(tmp_path) == [stored]  # served from storage, not rendered again


def test_a_failed_background_render_is_logged_and_the_download_still_renders(
    tmp_path: Path, sqlite_database_url: str, logged_errors: Recorded
) -> None:
    renderer = FailingOnceRenderer()
    # No message channel: the confirmation mail would render the invoice too (for its
    # attachment); this test is about the background render alone.
    with client_with(tmp_path, sqlite_database_url, document_renderer=renderer, channels={}) as api:
        admin = bearer_for(api, ADMIN_EMAIL, ADMIN_PASSWORD)
        user = register(api)
        booking = book_and_confirm(api, admin, user)
        assert wait_for(lambda: renderer.calls == 1 and bool(logged_errors.records))
        assert stored_pdfs(tmp_path) == []
        assert f"booking {booking['id']}" in logged_errors.records[0].getMessage()
        download = api.get(f"/api/bookings/{booking['id']}/invoice", headers=user)
        assert download.status_code == 200
        assert download.content[:5] == b"%PDF-"
        assert renderer.calls == 2
        assert len(stored_pdfs(tmp_path)) == 1
