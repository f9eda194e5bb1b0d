"""X-Request-ID through Litestar: kept when the client's is well-formed, made otherwise,
on every answer (errors from handlers and from the protective middleware included)."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient

GENERATED = re.compile(r"[0-9a-f]{32}")


def test_a_well_formed_client_id_comes_back_on_the_response(client: TestClient) -> None:
    answer = client.get("/api/health", headers={"X-Request-ID": "edge-7f3a.b_2-9"})
    assert answer.status_code == 200 and answer.headers["x-request-id"] == "edge-7f3a.b_2-9"


@pytest.mark.parametrize("offered", [b"", b"has space", b"x" * 65, b"semi;colon", "\u00fcn\u00efcode".encode()])
def test_an_ill_formed_or_missing_id_is_replaced_by_a_fresh_one(client: TestClient, offered: bytes) -> None:
    headers = {b"X-Request-ID": offered} if offered else {}
    first = client.get("/api/health", headers=headers).headers["x-request-id"]
    second = client.get("/api/health", headers=headers).headers["x-request-id"]
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second) and first != second


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("GET", "/api/no-such-route", {}, 404),
        ("GET", "/api/auth/me", {}, 401),
        ("POST", "/api/auth/login", {"content": b"{not json"}, 400),
        # Refused by the body-limit middleware before any handler runs.
        ("POST", "/api/auth/login", {"content": b"x" * (16 * 1024 * 1024)}, 413),
    ],
)
def test_error_answers_carry_the_id_too(
    client: TestClient, method: str, path: str, kwargs: dict[str, bytes], status: int
) -> None:
    answer = client.request(method, path, headers={"X-Request-ID": "err-1"}, **kwargs)
    assert answer.status_code == status
    assert answer.headers["x-request-id"] == "err-1"
