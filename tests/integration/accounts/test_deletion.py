"""DELETE /api/auth/me: personal data erased, pending bookings and enrolments
cancelled, sessions ended, tax documents unchanged; on SQLite and MariaDB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from litestar.testing import TestClient

from tests.integration.accounts.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, bearer, login, signed_in
from tests.integration.invoicing.test_invoices_api import book_and_confirm
from tests.integration.invoicing.test_programs_api import program_payload
from tests.support.factories import RegistrationFactory

NAME = "Meera Iyer-Deleted"


def test_a_deleted_account_cannot_sign_in_keeps_its_invoices_and_is_in_no_list(client: TestClient) -> None:
    admin = bearer(signed_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)["access_token"])
    person = RegistrationFactory.payload(name=NAME)
    assert client.post("/api/auth/register", json=person).status_code == 201
    session = signed_in(client, person["email"], person["password"])
    user = bearer(session["access_token"])
    confirmed = book_and_confirm(client, admin, user)
    invoice_before = client.get(f"/api/admin/bookings/{confirmed['id']}/invoice", headers=admin)
    assert invoice_before.status_code == 200
    pending = client.post(
        "/api/bookings",
        json={
            "venue_id": confirmed["venue_id"],
            "start": (start := _next_morning(days=40)).isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
        },
        headers=user,
    )
    assert pending.status_code == 201, pending.text
    program = client.post("/api/admin/programs", json=program_payload(confirmed["venue_id"]), headers=admin).json()
    enrolled = client.post(f"/api/programs/{program['id']}/enroll", headers=user)
    assert enrolled.status_code == 201, enrolled.text
    assert client.get(f"/api/programs/{program['id']}").json()["seats_left"] == 1

    assert client.delete("/api/auth/me", headers=user).status_code == 204

    assert client.get("/api/auth/me", headers=user).status_code == 401
    assert client.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]}).status_code == 401
    assert login(client, person["email"], person["password"]).status_code == 401
    assert client.post("/api/auth/register", json={**person, "name": "Someone New"}).status_code == 201
    invoice_after = client.get(f"/api/admin/bookings/{confirmed['id']}/invoice", headers=admin)
    assert invoice_after.content == invoice_before.content
    assert client.get(f"/api/bookings/{pending.json()['id']}", headers=admin).json()["status"] == "cancelled"
    assert client.get(f"/api/bookings/{confirmed['id']}", headers=admin).json()["status"] == "confirmed"
    assert client.get(f"/api/programs/{program['id']}").json()["seats_left"] == 2
    for listing in ("/api/admin/bookings", "/api/admin/bookings/export.csv", "/api/admin/booking-items"):
        shown = client.get(listing, headers=admin)
        assert shown.status_code == 200, listing
        assert NAME not in shown.text
        assert person["email"] not in shown.text


def _next_morning(*, days: int) -> datetime:
    return (datetime.now(UTC) + timedelta(days=days)).replace(hour=5, minute=0, second=0, microsecond=0)
