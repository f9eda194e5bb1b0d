"""Walks each error API.md lists for the catalog, booking and admin-list routes: the
status code, and a detail or extra that names the problem. Nothing is half-written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.bookings.conftest import Api

pytestmark = pytest.mark.anyio

FUTURE = {"start": "2030-05-01T10:00:00Z", "end": "2030-05-01T12:00:00Z"}


def names(response: Any, *words: str) -> None:
    body = response.json()
    assert body["status_code"] == response.status_code
    text = (body["detail"] + " " + str(body.get("extra"))).lower()
    for word in words:
        assert word.lower() in text, (word, body)


async def test_booking_create_errors(api: Api) -> None:
    venue, item = await api.venue(), await api.item()
    base = {"venue_id": venue["id"], **FUTURE}
    cases: list[tuple[dict[str, Any], int, tuple[str, ...]]] = [
        ({**base, "end": base["start"]}, 400, ("end", "after start")),
        ({**base, "end": "2030-05-01T09:00:00Z"}, 400, ("end",)),
        ({**base, "start": "2020-01-01T10:00:00Z", "end": "2020-01-01T11:00:00Z"}, 400, ("start", "future")),
        ({**base, "items": [{"item_id": item["id"], "quantity": 0}]}, 400, ("items[0].quantity",)),
        ({**base, "items": [{"item_id": 987654, "quantity": 1}]}, 400, ("items[0].item_id", "987654")),
        ({**base, "start": "2030-05-01T10:15:00Z"}, 400, ("start", "half-hour")),
        ({**base, "start": "2030-05-01T10:00:00"}, 400, ("start", "offset")),
        ({**base, "start": "tomorrow"}, 400, ("start",)),
        ({**base, "venue_id": "x"}, 400, ("venue_id",)),
        ({**base, "quantity": 1}, 400, ("quantity",)),
        ({**base, "venue_id": 987654}, 404, ("venue",)),
    ]
    for body, status, words in cases:
        response = await api.book(body)
        assert response.status_code == status, (body, response.text)
        names(response, *words)
    assert (await api.client.post("/api/bookings", content=b"{not json", headers=api.alice)).status_code == 400
    assert (await api.client.post("/api/bookings", json=base)).status_code == 401
    first = await api.book(base)
    assert first.status_code == 201
    clash = await api.book({**base, "start": "2030-05-01T11:00:00Z", "end": "2030-05-01T13:00:00Z"}, api.bob)
    assert clash.status_code == 409
    names(clash, "overlaps")
    listed = await api.client.get("/api/admin/bookings", headers=api.admin)
    assert listed.json()["pagination"]["total"] == 1


async def test_idempotency_key_errors(api: Api) -> None:
    venue = await api.venue()
    body = {"venue_id": venue["id"], **FUTURE}
    assert (await api.book(body, **{"Idempotency-Key": "k-1"})).status_code == 201
    other_body = await api.book({**body, "notes": "different"}, **{"Idempotency-Key": "k-1"})
    assert other_body.status_code == 409
    names(other_body, "Idempotency-Key", "different request")
    too_long = await api.book(body, **{"Idempotency-Key": "k" * 256})
    assert too_long.status_code == 400
    names(too_long, "Idempotency-Key")


async def test_read_and_cancel_errors(api: Api) -> None:
    venue = await api.venue()
    booking = (await api.book({"venue_id": venue["id"], **FUTURE})).json()
    url = f"/api/bookings/{booking['id']}"
    assert (await api.client.get(url, headers=api.bob)).status_code == 404  # no existence leak
    assert (await api.client.get(url, headers=api.admin)).status_code == 200
    assert (await api.client.get("/api/bookings/987654", headers=api.alice)).status_code == 404
    assert (await api.client.post(f"{url}/cancel", headers=api.bob)).status_code == 404
    too_long = await api.client.post(f"{url}/cancel", json={"reason": "x" * 501}, headers=api.alice)
    assert too_long.status_code == 400
    names(too_long, "reason")
    cancelled = await api.client.post(f"{url}/cancel", json={"reason": "change of plan"}, headers=api.alice)
    assert (cancelled.status_code, cancelled.json()["status"], cancelled.json()["refund"]) == (200, "cancelled", None)
    again = await api.client.post(f"{url}/cancel", headers=api.alice)
    assert again.status_code == 409
    names(again, "already cancelled")
    confirm = await api.client.post(
        f"/api/admin/bookings/{booking['id']}/confirm", json={"payment_reference": "UTR1"}, headers=api.admin
    )
    assert confirm.status_code == 409
    names(confirm, "only a pending booking")


async def test_confirm_errors_and_success(api: Api) -> None:
    venue = await api.venue()
    booking = (await api.book({"venue_id": venue["id"], **FUTURE})).json()
    url = f"/api/admin/bookings/{booking['id']}/confirm"
    for body, words in (
        ({}, ("payment_reference",)),
        ({"payment_reference": ""}, ("payment_reference",)),
        ({"payment_reference": "   "}, ("payment_reference",)),
    ):
        response = await api.client.post(url, json=body, headers=api.admin)
        assert response.status_code == 400, body
        names(response, *words)
    assert (await api.client.post(url, json={"payment_reference": "UTR1"}, headers=api.alice)).status_code == 403
    assert (await api.client.post(url, json={"payment_reference": "UTR1"})).status_code == 401
    missing = await api.client.post(
        "/api/admin/bookings/987654/confirm", json={"payment_reference": "UTR1"}, headers=api.admin
    )
    assert missing.status_code == 404
    confirmed = await api.client.post(url, json={"payment_reference": "UTR1"}, headers=api.admin)
    assert (confirmed.status_code, confirmed.json()["status"]) == (200, "confirmed")
    assert (await api.client.post(url, json={"payment_reference": "UTR2"}, headers=api.admin)).status_code == 409


async def test_catalog_errors(api: Api) -> None:
    venue = await api.venue()
    assert (await api.client.get("/api/venues/987654")).status_code == 404
    assert (await api.client.get("/api/items/987654")).status_code == 404
    bad_venues: list[tuple[dict[str, Any], tuple[str, ...]]] = [
        ({"name": "Hall", "capacity": 10, "hourly_rate_paise": 100, "timezone": "IST"}, ("timezone",)),
        ({"name": "Hall", "capacity": 10, "hourly_rate_paise": -1}, ("hourly_rate_paise",)),
        ({"name": "Hall", "capacity": 0, "hourly_rate_paise": 100}, ("capacity",)),
        ({"name": "   ", "capacity": 10, "hourly_rate_paise": 100}, ("name",)),
        ({"capacity": 10, "hourly_rate_paise": 100}, ("name",)),
        ({"name": "Hall", "capacity": 10, "hourly_rate_paise": 1.5}, ("hourly_rate_paise",)),
        ({"name": "Hall", "capacity": 10, "hourly_rate_paise": 100, "colour": "red"}, ("colour",)),
    ]
    for body, words in bad_venues:
        response = await api.client.post("/api/admin/venues", json=body, headers=api.admin)
        assert response.status_code == 400, body
        names(response, *words)
    for body in (
        {"name": "Chair"},
        {"name": "Chair", "price_paise": -5},
        {"name": "Chair", "price_paise": 5, "unit": ""},
    ):
        assert (await api.client.post("/api/admin/items", json=body, headers=api.admin)).status_code == 400, body
    assert (
        await api.client.patch("/api/admin/venues/987654", json={"capacity": 5}, headers=api.admin)
    ).status_code == 404
    assert (
        await api.client.patch("/api/admin/items/987654", json={"price_paise": 5}, headers=api.admin)
    ).status_code == 404
    assert (
        await api.client.post(
            "/api/admin/venues", json={"name": "X", "capacity": 1, "hourly_rate_paise": 1}, headers=api.alice
        )
    ).status_code == 403
    assert (await api.client.post("/api/admin/items", json={"name": "X", "price_paise": 1})).status_code == 401
    patched = await api.client.patch(
        f"/api/admin/venues/{venue['id']}", json={"timezone": "Europe/Paris"}, headers=api.admin
    )
    assert patched.json() == {**venue, "timezone": "Europe/Paris"}
    availability = f"/api/venues/{venue['id']}/availability"
    for query, words in (
        ("?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z", ("to",)),
        ("?from=2030-01-01T00:00:00Z&to=2030-12-01T00:00:00Z", ("92 days",)),
        ("?from=soon", ("from",)),
    ):
        response = await api.client.get(availability + query)
        assert response.status_code == 400, query
        names(response, *words)
    assert (await api.client.get("/api/venues/987654/availability")).status_code == 404


async def test_admin_list_errors(api: Api) -> None:
    for path in ("/api/admin/bookings", "/api/admin/booking-items", "/api/admin/bookings/export.csv"):
        assert (await api.client.get(path, headers=api.alice)).status_code == 403, path
        assert (await api.client.get(path)).status_code == 401, path
    for path in ("/api/admin/bookings", "/api/admin/bookings/export.csv"):
        for query, words in (
            ("?status=done", ("status",)),
            ("?from=yesterday", ("from",)),
            ("?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z", ("to", "after")),
            ("?to=2030-01-01T00:00:00", ("to", "offset")),
        ):
            response = await api.client.get(path + query, headers=api.admin)
            assert response.status_code == 400, (path, query)
            names(response, *words)
    assert (await api.client.get("/api/admin/bookings?venue_id=abc", headers=api.admin)).status_code == 400
    assert (await api.client.get("/api/admin/booking-items?item_id=abc", headers=api.admin)).status_code == 400
    assert (await api.client.get("/api/bookings?status=done", headers=api.alice)).status_code == 400
