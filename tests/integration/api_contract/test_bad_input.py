"""Bad input is a 4xx naming the problem, never a 500: the inputs a fuzzer found."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from lebrq.bootstrap import create_app
from lebrq.http.json_depth import MAX_JSON_DEPTH, nests_deeper_than
from tests.conftest import make_settings
from tests.support.apps import fast_hasher, sql_adapters_with
from tests.support.booking_factories import item_payload, venue_payload

ADMIN = {"email": "input-admin@lebrq.test", "password": "input-admin-password"}
HUGE = "99999999999999999999999"  # beyond 2^64
JUST_TOO_BIG = str(2**63)


@pytest.fixture
def api(tmp_path: Path, sqlite_database_url: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = make_settings(
        tmp_path, sqlite_database_url, admin_email=ADMIN["email"], admin_password=ADMIN["password"]
    )
    with TestClient(create_app(settings, adapters=sql_adapters_with(password_hasher=fast_hasher()))) as client:
        token = client.post("/api/auth/login", json=ADMIN).json()["access_token"]
        yield client, {"Authorization": f"Bearer {token}"}


def _names(answer: Any, name: str) -> bool:
    return bool(answer.json()["extra"]["field"] == name)


@pytest.mark.parametrize("number", [HUGE, JUST_TOO_BIG, "0", "-1"])
@pytest.mark.parametrize(
    ("method", "path", "name"),
    [
        ("GET", "/api/bookings/{n}", "booking_id"),
        ("GET", "/api/venues/{n}", "venue_id"),
        ("POST", "/api/programs/{n}/enroll", "program_id"),
        ("GET", "/api/files/{n}", "media_id"),
        ("GET", "/api/admin/bookings?venue_id={n}", "venue_id"),
        ("GET", "/api/items?page={n}", "page"),
    ],
)
def test_integers_outside_their_range_are_400_naming_the_parameter(
    api: tuple[TestClient, dict[str, str]], method: str, path: str, name: str, number: str
) -> None:
    client, admin = api
    answer = client.request(method, path.format(n=number), headers=admin)
    assert answer.status_code == 400, answer.text
    assert _names(answer, name), answer.text


def test_ids_inside_a_json_body_are_bounded_too(api: tuple[TestClient, dict[str, str]]) -> None:
    client, admin = api
    body = {"venue_id": int(JUST_TOO_BIG), "start": "2030-01-01T10:00:00Z", "end": "2030-01-01T11:00:00Z"}
    answer = client.post("/api/bookings", json=body, headers=admin)
    assert answer.status_code == 400 and _names(answer, "venue_id"), answer.text
    raw = b'{"venue_id": ' + HUGE.encode() + b', "start": "2030-01-01T10:00:00Z", "end": "2030-01-01T11:00:00Z"}'
    answer = client.post("/api/bookings", content=raw, headers={**admin, "Content-Type": "application/json"})
    assert answer.status_code == 400, answer.text


@pytest.mark.parametrize("path", ["/api/auth/login", "/api/bookings"])
def test_deeply_nested_json_is_400_before_decoding(api: tuple[TestClient, dict[str, str]], path: str) -> None:
    client, admin = api
    for body in (b"[" * 100_000, b'{"a":' * 50_000 + b"1" + b"}" * 50_000):
        answer = client.post(path, content=body, headers={**admin, "Content-Type": "application/json"})
        assert answer.status_code == 400, answer.text
        assert "nests deeper" in answer.json()["detail"]


def test_the_depth_check_counts_only_real_nesting() -> None:
    assert not nests_deeper_than(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)
    assert nests_deeper_than(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1))
    assert nests_deeper_than(b"[{" * 17 + b'"a":1' + b"}]" * 17)  # objects and arrays both count
    assert not nests_deeper_than(b'["' + b"[" * 1000 + b'"]')  # brackets inside a string do not
    assert not nests_deeper_than(b'["\\"' + b"[" * 1000 + b'"]')  # ...even after an escaped quote
    assert not nests_deeper_than(b"[" + b"[1,[2]]," * 10_000 + b"[]]")  # wide is fine


@pytest.mark.parametrize(
    ("path", "payload"), [("/api/admin/venues", venue_payload), ("/api/admin/items", item_payload)]
)
def test_currency_inr_is_accepted_and_anything_else_is_400(
    api: tuple[TestClient, dict[str, str]], path: str, payload: Any
) -> None:
    client, admin = api
    created = client.post(path, json={**payload(), "currency": "INR"}, headers=admin)
    assert created.status_code == 201, created.text
    resource = created.json()
    echoed = {key: value for key, value in resource.items() if key not in ("id", "poster_url")}
    assert client.patch(f"{path}/{resource['id']}", json=echoed, headers=admin).status_code == 200
    refused = client.post(path, json={**payload(), "currency": "USD"}, headers=admin)
    assert refused.status_code == 400 and _names(refused, "currency"), refused.text


@pytest.mark.parametrize("value", ["0.5", "0", "1700000000", "tomorrow", "2026-12-01"])
def test_a_number_or_a_date_is_not_a_time(api: tuple[TestClient, dict[str, str]], value: str) -> None:
    client, admin = api
    answer = client.get(f"/api/admin/bookings/export.csv?to={value}", headers=admin)
    assert answer.status_code == 400, answer.text
    assert answer.json()["extra"]["field"] == "to"
    assert client.get("/api/admin/bookings/export.csv?to=2030-01-01T00:00:00Z", headers=admin).status_code == 200


@pytest.mark.parametrize("query", ["status=null", "venue_id=null", "page=null"])
def test_null_is_not_a_filter_value(api: tuple[TestClient, dict[str, str]], query: str) -> None:
    client, admin = api
    answer = client.get(f"/api/admin/bookings?{query}", headers=admin)
    assert answer.status_code == 400 and _names(answer, query.split("=")[0]), answer.text
