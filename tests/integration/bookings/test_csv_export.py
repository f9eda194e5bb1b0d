"""The admin CSV export: content and filters, and a client that goes away mid-stream
stops the query and gives the connection back (SQLite and MariaDB)."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from lebrq.adapters.sql.demo_data import seed_demo
from lebrq.adapters.sql.engine import create_engine
from lebrq.bootstrap import create_app
from tests.conftest import make_settings
from tests.integration.bookings.conftest import Api
from tests.support.apps import fast_hasher, sql_adapters_with

pytestmark = pytest.mark.anyio


async def test_export_lists_matching_bookings_as_csv(api: Api) -> None:
    venue = await api.venue(name="Banyan Hall")
    for day, notes in ((1, '=HYPERLINK("http://evil")'), (2, "plain"), (3, None)):
        body = {
            "venue_id": venue["id"],
            "start": f"2030-07-0{day}T10:00:00Z",
            "end": f"2030-07-0{day}T11:00:00Z",
            "notes": notes,
        }
        assert (await api.book(body)).status_code == 201
    first_id = (await api.client.get("/api/admin/bookings", headers=api.admin)).json()["items"][-1]["id"]
    await api.client.post(f"/api/bookings/{first_id}/cancel", headers=api.alice)

    response = await api.client.get("/api/admin/bookings/export.csv", headers=api.admin)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [row["start"] for row in rows] == ["2030-07-03T10:00:00Z", "2030-07-02T10:00:00Z", "2030-07-01T10:00:00Z"]
    assert {row["venue_name"] for row in rows} == {"Banyan Hall"}
    assert rows[-1]["status"] == "cancelled" and rows[-1]["notes"] == '\'=HYPERLINK("http://evil")'
    assert rows[0]["total_paise"].isdigit()

    pending = await api.client.get(
        "/api/admin/bookings/export.csv?status=pending&from=2030-07-02T00:00:00Z", headers=api.admin
    )
    assert [row["start"] for row in csv.DictReader(io.StringIO(pending.text))] == [
        "2030-07-03T10:00:00Z",
        "2030-07-02T10:00:00Z",
    ]


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def database_url(request: pytest.FixtureRequest) -> str:
    return request.getfixturevalue("sqlite_database_url" if request.param == "sqlite" else "mariadb_database_url")


async def test_a_client_that_disconnects_stops_the_export(database_url: str, tmp_path: Path) -> None:
    engine = create_engine(database_url)
    try:
        await seed_demo(engine, bookings_count=6_000, users_count=20, password_hash="not-used")
    finally:
        await engine.dispose()
    settings = make_settings(
        tmp_path, database_url, admin_email="export-admin@example.com", admin_password="export-password"
    )
    app = create_app(settings, adapters=sql_adapters_with(password_hasher=fast_hasher()))
    async with app.lifespan():
        grant = await app.state.services.auth.sign_in_with_password(
            email="export-admin@example.com", password="export-password"
        )
        token = app.state.access_tokens.encode(grant.user_id, grant.session_id)
        # The start-up jobs (hold sweep) may still hold a connection (SQLite serialises
        # them behind the sign-in's writes): measure the export from an idle pool.
        for _ in range(300):
            if app.state.services.database.pool_status().checked_out == 0:
                break
            await asyncio.sleep(0.05)
        received: list[bytes] = []
        client_gone = asyncio.Event()
        request_sent = False

        async def receive() -> dict[str, Any]:
            nonlocal request_sent
            if not request_sent:
                request_sent = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await client_gone.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                received.append(message["body"])
                if len(received) == 2:
                    # The client reads two chunks, then stalls and hangs up.
                    client_gone.set()
                    await asyncio.Event().wait()

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/api/admin/bookings/export.csv",
            "raw_path": b"/api/admin/bookings/export.csv",
            "root_path": "",
            "query_string": b"",
            "headers": [(b"authorization", f"Bearer {token}".encode()), (b"host", b"lebrq.test")],
            "client": ("127.0.0.1", 50000),
            "server": ("lebrq.test", 80),
        }
        await asyncio.wait_for(app(scope, receive, send), timeout=30)  # type: ignore[arg-type]

        assert len(received) == 2
        assert received[0].startswith(b"id,user_id,")
        # The hold sweep (a background task) may hold a connection for a moment; the
        # export's own must come back, and soon.
        pool = app.state.services.database.pool_status()
        for _ in range(50):
            if pool.checked_out == 0:
                break
            await asyncio.sleep(0.1)
            pool = app.state.services.database.pool_status()
        assert pool.checked_out == 0, pool
        if database_url.startswith("mysql"):
            assert await _running_export_queries(database_url) == 0
        # The pool still serves: the next request gets a working connection.
        assert await app.state.services.database.ping()


async def _running_export_queries(database_url: str) -> int:
    """Queries of our database still reading bookings on the server; waits a little for
    the server to notice the dropped connection."""
    engine = create_engine(database_url)
    name = database_url.rsplit("/", 1)[1]
    query = sa.text(
        "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = :db AND COMMAND = 'Query' "
        "AND INFO LIKE '%FROM bookings%' AND ID <> CONNECTION_ID()"
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            async with engine.connect() as connection:
                running = int((await connection.execute(query, {"db": name})).scalar_one())
            if running == 0 or time.monotonic() > deadline:
                return running
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()
