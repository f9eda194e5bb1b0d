"""Sessions over HTTP: refresh rotation, reuse detection, logout, password change and
reset, bad input to each route."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import TestClient

from lebrq.adapters.memory.message_channel import RecordingChannel
from tests.integration.accounts.conftest import bearer, login, otp_sign_in, signed_in
from tests.support.factories import RegistrationFactory


def registered(client: TestClient) -> dict[str, Any]:
    payload = RegistrationFactory.payload()
    assert client.post("/api/auth/register", json=payload).status_code == 201
    return payload


def refresh(client: TestClient, token: str) -> Any:
    return client.post("/api/auth/refresh", json={"refresh_token": token})


def test_refresh_answers_a_new_pair_and_uses_the_presented_token_up(client: TestClient) -> None:
    user = registered(client)
    first = signed_in(client, user["email"], user["password"])
    answer = refresh(client, first["refresh_token"])
    assert answer.status_code == 200
    second = answer.json()
    assert set(second) == {"access_token", "token_type", "expires_in", "refresh_token", "refresh_expires_in"}
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get("/api/auth/me", headers=bearer(second["access_token"])).json()["email"] == user["email"]
    assert refresh(client, second["refresh_token"]).status_code == 200


def test_a_rotated_refresh_token_used_twice_revokes_the_whole_session(client: TestClient) -> None:
    user = registered(client)
    first = signed_in(client, user["email"], user["password"])
    second = refresh(client, first["refresh_token"]).json()  # the owner rotates

    replayed = refresh(client, first["refresh_token"])  # a thief replays the copied token
    assert replayed.status_code == 401
    assert "already used" in replayed.json()["detail"]
    assert refresh(client, second["refresh_token"]).status_code == 401
    assert client.get("/api/auth/me", headers=bearer(second["access_token"])).status_code == 401
    # Other sessions of the same user are not affected.
    assert signed_in(client, user["email"], user["password"])["access_token"]


def test_logout_is_204_and_the_session_stops_working(client: TestClient) -> None:
    user = registered(client)
    session = signed_in(client, user["email"], user["password"])
    assert client.get("/api/auth/me", headers=bearer(session["access_token"])).status_code == 200
    answer = client.post("/api/auth/logout", json={"refresh_token": session["refresh_token"]})
    assert answer.status_code == 204
    assert client.get("/api/auth/me", headers=bearer(session["access_token"])).status_code == 401
    assert refresh(client, session["refresh_token"]).status_code == 401
    # Logging out again, or with a token nobody issued, changes nothing and reveals nothing.
    assert client.post("/api/auth/logout", json={"refresh_token": session["refresh_token"]}).status_code == 204
    assert client.post("/api/auth/logout", json={"refresh_token": "x" * 43}).status_code == 204


def test_password_change_needs_the_current_one_and_ends_the_other_sessions(client: TestClient) -> None:
    user = registered(client)
    mine = signed_in(client, user["email"], user["password"])
    elsewhere = signed_in(client, user["email"], user["password"])
    headers = bearer(mine["access_token"])

    missing = client.post("/api/auth/password", json={"new_password": "brand-new-pass"}, headers=headers)
    assert missing.status_code == 403
    assert missing.json()["extra"]["field"] == "current_password"
    wrong = client.post(
        "/api/auth/password",
        json={"current_password": "not-it-at-all", "new_password": "brand-new-pass"},
        headers=headers,
    )
    assert wrong.status_code == 403
    assert wrong.json()["extra"]["field"] == "current_password"

    changed = client.post(
        "/api/auth/password",
        json={"current_password": user["password"], "new_password": "brand-new-pass"},
        headers=headers,
    )
    assert changed.status_code == 204
    assert client.get("/api/auth/me", headers=headers).status_code == 200
    assert client.get("/api/auth/me", headers=bearer(elsewhere["access_token"])).status_code == 401
    assert login(client, user["email"], user["password"]).status_code == 401
    assert login(client, user["email"], "brand-new-pass").status_code == 200


def test_a_forgotten_password_is_reset_after_a_code_sign_in(client: TestClient, otp_sender: RecordingChannel) -> None:
    user = registered(client)
    session = otp_sign_in(client, otp_sender, user["email"])
    answer = client.post(
        "/api/auth/password", json={"new_password": "reset-password"}, headers=bearer(session["access_token"])
    )
    assert answer.status_code == 204
    assert login(client, user["email"], "reset-password").status_code == 200


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/auth/refresh", {}, "refresh_token"),
        ("/api/auth/refresh", {"refresh_token": 5}, "refresh_token"),
        ("/api/auth/refresh", {"refresh_token": ""}, "refresh_token"),
        ("/api/auth/refresh", {"refresh_token": "x" * 129}, "refresh_token"),
        ("/api/auth/logout", {"refresh_token": None}, "refresh_token"),
        ("/api/auth/logout", {"refresh_token": "t", "extra": 1}, "extra"),
    ],
)
def test_bad_input_to_refresh_and_logout_is_400_naming_the_field(
    client: TestClient, path: str, body: dict, field: str
) -> None:
    answer = client.post(path, json=body)
    assert answer.status_code == 400
    assert field in answer.text


def test_an_unknown_refresh_token_is_401_naming_the_field(client: TestClient) -> None:
    answer = refresh(client, "not-a-token-we-issued")
    assert answer.status_code == 401
    assert answer.json()["extra"]["field"] == "refresh_token"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"current_password": "whatever-1"}, "new_password"),
        ({"new_password": "short", "current_password": "whatever-1"}, "new_password"),
        ({"new_password": 12345678}, "new_password"),
        ({"new_password": "x" * 300}, "new_password"),
        ({"new_password": "long-enough", "current_password": 5}, "current_password"),
    ],
)
def test_bad_input_to_password_is_400_naming_the_field(client: TestClient, body: dict, field: str) -> None:
    user = registered(client)
    headers = bearer(signed_in(client, user["email"], user["password"])["access_token"])
    answer = client.post("/api/auth/password", json=body, headers=headers)
    assert answer.status_code == 400
    assert field in answer.text


@pytest.mark.parametrize(("method", "path"), [("POST", "/api/auth/password"), ("DELETE", "/api/auth/me")])
def test_password_and_delete_need_a_signed_in_user(client: TestClient, method: str, path: str) -> None:
    answer = client.request(method, path, json={"new_password": "long-enough"})
    assert answer.status_code == 401


@pytest.mark.parametrize(
    "token",
    [
        # alg none, a valid-looking but unsigned token, and one signed with another key.
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIiwic2lkIjoxLCJpYXQiOjAsImV4cCI6OTk5OTk5OTk5OX0.",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIiwic2lkIjoxLCJpYXQiOjAsImV4cCI6OTk5OTk5OTk5OX0.AAAA",
    ],
    ids=["alg none", "bad signature"],
)
def test_forged_access_tokens_are_401(client: TestClient, token: str) -> None:
    assert client.get("/api/auth/me", headers=bearer(token)).status_code == 401
