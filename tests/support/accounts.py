"""Signed-in callers for tests that talk HTTP through an httpx AsyncClient (the app in
process, or a real server behind nginx)."""

from __future__ import annotations

import httpx

from tests.support.factories import RegistrationFactory


async def sign_in(client: httpx.AsyncClient, credentials: dict[str, str]) -> dict[str, str]:
    """The Authorization header of a fresh login."""
    response = await client.post("/api/auth/login", json=credentials)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def new_user(client: httpx.AsyncClient) -> dict[str, str]:
    """Registers a user (polyfactory data) and returns its Authorization header."""
    registration = RegistrationFactory.payload()
    response = await client.post("/api/auth/register", json=registration)
    assert response.status_code == 201, response.text
    return await sign_in(client, {"email": registration["email"], "password": registration["password"]})
