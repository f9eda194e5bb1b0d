"""Overlap safety under real concurrency: many requests in flight at once against the
app on SQLite and on MariaDB (venue row locked in the booking transaction)."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from tests.integration.bookings.conftest import Api

pytestmark = pytest.mark.anyio

SLOT = {"start": "2030-03-01T10:00:00Z", "end": "2030-03-01T12:00:00Z"}


async def test_twenty_requests_for_one_slot_give_one_booking(api: Api) -> None:
    venue = await api.venue()
    bodies = [{"venue_id": venue["id"], **SLOT, "notes": f"attempt {n}"} for n in range(20)]
    responses = await asyncio.gather(
        *(api.book(body, api.alice if n % 2 else api.bob) for n, body in enumerate(bodies))
    )
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 19}
    listed = await api.client.get(f"/api/admin/bookings?venue_id={venue['id']}", headers=api.admin)
    assert listed.json()["pagination"]["total"] == 1


async def test_the_same_slot_at_two_venues_both_succeed(api: Api) -> None:
    first, second = await api.venue(), await api.venue()
    responses = await asyncio.gather(*(api.book({"venue_id": venue["id"], **SLOT}) for venue in (first, second)))
    assert [r.status_code for r in responses] == [201, 201]


async def test_concurrent_retries_with_one_idempotency_key_make_one_booking(api: Api) -> None:
    venue = await api.venue()
    body = {"venue_id": venue["id"], **SLOT}
    responses = await asyncio.gather(*(api.book(body, **{"Idempotency-Key": "pay-page-7"}) for _ in range(8)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 7
