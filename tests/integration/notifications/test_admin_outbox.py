"""GET /api/admin/outbox and the outbox figures on /metrics."""

from __future__ import annotations

import re
from collections.abc import Callable

from litestar.testing import TestClient

from tests.integration.notifications.conftest import outbox_when
from tests.support.outbox import SmtpInbox

FIELDS = {"id", "kind", "channel", "recipient", "status", "attempts", "last_error", "created_at", "sent_at"}


def wait_until_sent(api: TestClient, admin: dict[str, str], count: int) -> list[dict]:
    return outbox_when(api, admin, lambda items: len(items) >= count, status="sent")


def test_admins_see_each_message_and_its_state_never_its_body(
    mail_api: TestClient, smtp: SmtpInbox, admin: dict[str, str]
) -> None:
    for n in range(3):
        assert mail_api.post("/api/auth/otp/request", json={"destination": f"u{n}@example.com"}).status_code == 202
    sent = wait_until_sent(mail_api, admin, 3)
    codes = [re.search(r"\d{6}", m["Subject"]).group(0) for m in smtp.messages]  # type: ignore[union-attr]
    page = mail_api.get("/api/admin/outbox?page=1&page_size=2", headers=admin)
    assert page.status_code == 200
    body = page.json()
    pagination = body["pagination"]
    assert {k: v for k, v in pagination.items() if k != "next_cursor"} == {
        "page": 1,
        "page_size": 2,
        "total": 3,
        "total_pages": 2,
        "has_next": True,
        "has_prev": False,
    }
    rest = mail_api.get(f"/api/admin/outbox?page_size=2&cursor={pagination['next_cursor']}", headers=admin).json()
    assert [m["recipient"] for m in body["items"] + rest["items"]] == [f"u{n}@example.com" for n in (2, 1, 0)]
    assert rest["pagination"]["next_cursor"] is None
    newest = body["items"][0]
    assert set(newest) == FIELDS
    assert newest["kind"] == "one_time_code" and newest["channel"] == "email" and newest["status"] == "sent"
    assert newest["recipient"] == "u2@example.com" and newest["attempts"] == 1 and newest["last_error"] is None
    assert newest["sent_at"] >= newest["created_at"]
    assert [m["id"] for m in sent] == sorted((m["id"] for m in sent), reverse=True)
    everything = mail_api.get("/api/admin/outbox?page_size=100", headers=admin).text
    assert not any(code in everything for code in codes)
    assert mail_api.get("/api/admin/outbox?status=failed", headers=admin).json()["items"] == []


def test_the_outbox_is_for_admins_with_bounded_input(
    mail_api: TestClient, admin: dict[str, str], new_user: Callable[..., tuple[str, dict]]
) -> None:
    _, user = new_user()
    assert mail_api.get("/api/admin/outbox").status_code == 401
    assert mail_api.get("/api/admin/outbox", headers=user).status_code == 403
    for query in ("status=lost", "page=0", "page_size=101", "page=x"):
        answer = mail_api.get(f"/api/admin/outbox?{query}", headers=admin)
        assert answer.status_code == 400, (query, answer.text)


def test_metrics_count_deliveries_and_report_the_backlog(
    mail_api: TestClient, smtp: SmtpInbox, admin: dict[str, str]
) -> None:
    assert mail_api.post("/api/auth/otp/request", json={"destination": "m@example.com"}).status_code == 202
    wait_until_sent(mail_api, admin, 1)
    metrics = mail_api.get("/metrics").text
    assert 'lebrq_outbox_deliveries_total{channel="email",kind="one_time_code",outcome="sent"} 1.0' in metrics
    assert "lebrq_outbox_pending_messages 0.0" in metrics
    assert "lebrq_outbox_oldest_pending_age_seconds 0.0" in metrics
