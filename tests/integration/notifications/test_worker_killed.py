"""A real `lebrq serve` (Granian, two workers) killed with SIGKILL after it committed a
one-time code and claimed it, while the send hangs: the code is delivered by the next
service once the dead worker's lease runs out, and signs the user in."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from lebrq.adapters.sql.tables.outbox import outbox_messages
from tests.support.granian_process import ServiceStarter
from tests.support.outbox import silent_smtp_server, smtp_server

pytestmark = pytest.mark.granian

LEASE_SECONDS = 6


def sync_url(url: str) -> str:
    return url.replace("sqlite+aiosqlite://", "sqlite://").replace("mysql+asyncmy://", "mysql+pymysql://")


def outbox_rows(url: str) -> list[sa.Row]:
    engine = sa.create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return list(connection.execute(sa.select(outbox_messages)))
    finally:
        engine.dispose()


def service_env(database_url: str, var_dir: Path, smtp_port: int) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "VAR_DIR": str(var_dir),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_SECURITY": "none",
        "MAIL_FROM": "bookings@lebrq.test",
        "SMTP_TIMEOUT_SECONDS": "120",
        "OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
        "OUTBOX_POLL_SECONDS": "0.5",
        "PDF_RENDER_POOL": "thread",
    }


def test_a_code_claimed_by_a_killed_worker_is_delivered_after_restart(
    granian_service: ServiceStarter, sql_database_url: str, tmp_path: Path
) -> None:
    var_dir = tmp_path / "shared-var"
    with silent_smtp_server() as hanging_port:
        first = granian_service(config={"workers": 2}, env=service_env(sql_database_url, var_dir, hanging_port))
        with first.client(timeout=10) as client:
            asked = client.post("/api/auth/otp/request", json={"destination": "ravi@example.com"})
            assert asked.status_code == 202, asked.text
        deadline = time.monotonic() + 20
        while not (rows := outbox_rows(sql_database_url)) or rows[0].attempts < 1:
            assert time.monotonic() < deadline, "a worker claims the code"
            time.sleep(0.1)
        assert rows[0].status == "pending" and rows[0].claimed_by is not None
        first.kill_tree()  # mid-send: the SMTP server never answered

    with smtp_server() as (inbox, port):
        second = granian_service(config={"workers": 2}, env=service_env(sql_database_url, var_dir, port))
        mail = inbox.wait_for(lambda m: m["To"] == "ravi@example.com", timeout=LEASE_SECONDS + 30)
        code = mail["Subject"].rsplit(" ", 1)[-1]
        with second.client(timeout=10) as client:
            verified = client.post("/api/auth/otp/verify", json={"destination": "ravi@example.com", "code": code})
            assert verified.status_code == 200, verified.text
        time.sleep(1)
        assert len(inbox.to("ravi@example.com")) == 1
    [row] = outbox_rows(sql_database_url)
    assert row.status == "sent" and row.attempts == 2 and row.params is None
    assert row.claimed_by is None
