"""The account takeovers of issue 11 fail, over HTTP, on SQLite and on MariaDB:
pre-registering someone's email, pre-registering the admin's, keeping a session
after losing the account, and the admin routes after a demotion or a disabling."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from litestar.testing import TestClient

from lebrq.adapters.memory.message_channel import RecordingChannel
from tests.integration.accounts.conftest import ADMIN_EMAIL, ADMIN_PASSWORD, bearer, login, otp_sign_in, signed_in
from tests.support.factories import RegistrationFactory

VICTIM = "victim@example.com"


def test_pre_registration_then_otp_sign_in_leaves_the_registrants_password_useless(
    client: TestClient, otp_sender: RecordingChannel
) -> None:
    attacker = RegistrationFactory.payload(email=VICTIM, phone="+919811111111")
    assert client.post("/api/auth/register", json=attacker).status_code == 201
    attacker_session = signed_in(client, VICTIM, attacker["password"])

    victim = otp_sign_in(client, otp_sender, VICTIM)

    me = client.get("/api/auth/me", headers=bearer(victim["access_token"])).json()
    assert (me["email"], me["email_verified"]) == (VICTIM, True)
    assert me["phone"] is None  # the attacker's phone was never proven, so never stored
    assert login(client, VICTIM, attacker["password"]).status_code == 401
    assert client.get("/api/auth/me", headers=bearer(attacker_session["access_token"])).status_code == 401
    refreshed = client.post("/api/auth/refresh", json={"refresh_token": attacker_session["refresh_token"]})
    assert refreshed.status_code == 401


def test_pre_registering_the_admin_address_does_not_give_admin(
    start_app: Callable[..., TestClient], database: sa.Engine
) -> None:
    before = start_app()
    squatter = RegistrationFactory.payload(email=ADMIN_EMAIL)
    assert before.post("/api/auth/register", json=squatter).status_code == 201
    squatter_session = signed_in(before, ADMIN_EMAIL, squatter["password"])

    after = start_app(admin_email=ADMIN_EMAIL, admin_password=ADMIN_PASSWORD)  # the operator configures the admin

    assert login(after, ADMIN_EMAIL, squatter["password"]).status_code == 401
    stale = bearer(squatter_session["access_token"])
    assert after.get("/api/admin/bookings", headers=stale).status_code == 401
    assert after.post("/api/auth/refresh", json={"refresh_token": squatter_session["refresh_token"]}).status_code == 401
    admin = bearer(signed_in(after, ADMIN_EMAIL, ADMIN_PASSWORD)["access_token"])
    assert after.get("/api/admin/bookings", headers=admin).status_code == 200
    with database.connect() as connection:
        role = connection.execute(sa.text("SELECT role FROM users WHERE email = :e"), {"e": ADMIN_EMAIL}).scalar_one()
    assert role == "admin"


def test_a_demoted_or_disabled_admins_next_admin_request_is_refused(client: TestClient, database: sa.Engine) -> None:
    admin = bearer(signed_in(client, ADMIN_EMAIL, ADMIN_PASSWORD)["access_token"])
    assert client.get("/api/admin/bookings", headers=admin).status_code == 200

    set_user(database, ADMIN_EMAIL, "role = 'user'")  # as another worker's admin change would
    assert client.get("/api/admin/bookings", headers=admin).status_code == 403

    set_user(database, ADMIN_EMAIL, "role = 'admin', disabled = :yes")
    assert client.get("/api/admin/bookings", headers=admin).status_code == 401
    assert login(client, ADMIN_EMAIL, ADMIN_PASSWORD).status_code == 401


def test_a_disabled_user_cannot_sign_in_by_code_either(
    client: TestClient, otp_sender: RecordingChannel, database: sa.Engine
) -> None:
    user = RegistrationFactory.payload(email=VICTIM)
    client.post("/api/auth/register", json=user)
    session = signed_in(client, VICTIM, user["password"])
    set_user(database, VICTIM, "disabled = :yes")
    client.post("/api/auth/otp/request", json={"destination": VICTIM})
    answer = client.post("/api/auth/otp/verify", json={"destination": VICTIM, "code": otp_sender.last_code(VICTIM)})
    assert answer.status_code == 401
    assert "disabled" in answer.json()["detail"]
    assert client.post("/api/auth/refresh", json={"refresh_token": session["refresh_token"]}).status_code == 401


def set_user(database: sa.Engine, email: str, assignments: str) -> None:
    with database.begin() as connection:
        connection.execute(sa.text(f"UPDATE users SET {assignments} WHERE email = :e"), {"e": email, "yes": True})
