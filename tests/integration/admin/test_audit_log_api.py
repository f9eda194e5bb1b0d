"""Every admin change lands in the audit log, in the same transaction as the change,
and GET /api/admin/audit-log lists it newest first with its filters (SQLite and MariaDB)."""

from __future__ import annotations

import json

import pytest

from tests.integration.admin.conftest import ADMIN, AdminApi, OpenApi
from tests.support.media import file_body, sample_file

pytestmark = pytest.mark.anyio

SLOT = {"start": "2030-03-01T10:00:00Z", "end": "2030-03-01T12:00:00Z"}


async def test_catalog_program_booking_and_upload_changes_are_recorded(api: AdminApi) -> None:
    admin_id = (await api.client.get("/api/auth/me", headers=api.admin)).json()["id"]
    venue = await api.venue(name="Banyan Hall")
    await api.client.patch(f"/api/admin/venues/{venue['id']}", json={"capacity": 77}, headers=api.admin)
    item = await api.item()
    await api.client.patch(f"/api/admin/items/{item['id']}", json={"price_paise": 123}, headers=api.admin)
    program = await api.program(venue["id"])
    await api.client.patch(f"/api/admin/programs/{program['id']}", json={"title": "Evening"}, headers=api.admin)
    poster = file_body("image/png", sample_file("image/png"), filename="poster.png")
    answer = await api.client.post(
        f"/api/admin/programs/{program['id']}/poster", content=poster.body(), headers=poster.headers(**api.admin)
    )
    assert answer.status_code == 201, answer.text
    _, alice = await api.new_user()
    booking = (await api.client.post("/api/bookings", json={"venue_id": venue["id"], **SLOT}, headers=alice)).json()
    confirmed = await api.client.post(
        f"/api/admin/bookings/{booking['id']}/confirm", json={"payment_reference": "UTR-77"}, headers=api.admin
    )
    assert confirmed.status_code == 200
    cancelled = await api.client.post(f"/api/bookings/{booking['id']}/cancel", json={}, headers=api.admin)
    assert cancelled.status_code == 200

    entries = await api.audit(page_size=100)
    actions = [entry["action"] for entry in entries]
    # Newest first; the bootstrap of the configured admin at start-up is the oldest.
    assert actions == [
        "booking.cancel",
        "booking.confirm",
        "program.poster",
        "media.upload",
        "program.update",
        "program.create",
        "item.update",
        "item.create",
        "venue.update",
        "venue.create",
        "user.admin_bootstrap",
    ]
    by_action = {entry["action"]: entry for entry in entries}
    assert by_action["venue.update"] == {
        **by_action["venue.update"],
        "actor_id": admin_id,
        "target_type": "venue",
        "target_id": venue["id"],
        "details": {"capacity": 77},
    }
    assert by_action["venue.create"]["details"]["name"] == "Banyan Hall"
    assert by_action["booking.confirm"]["details"] == {
        "payment_reference": "UTR-77",
        "invoice_number": confirmed.json()["invoice_number"],
    }
    assert by_action["booking.cancel"]["details"]["previous_status"] == "confirmed"
    assert by_action["media.upload"]["details"]["original_name"] == "poster.png"
    assert by_action["user.admin_bootstrap"]["actor_id"] is None
    assert all(entry["at"].endswith("Z") for entry in entries)
    assert ADMIN["password"] not in json.dumps(entries)


async def test_a_user_acting_for_themselves_is_not_an_admin_change(api: AdminApi) -> None:
    venue = await api.venue()
    _, alice = await api.new_user()
    booking = (await api.client.post("/api/bookings", json={"venue_id": venue["id"], **SLOT}, headers=alice)).json()
    await api.client.post(f"/api/bookings/{booking['id']}/cancel", json={}, headers=alice)
    note = file_body("audio/mpeg", sample_file("audio/mpeg"))
    await api.client.post(
        f"/api/bookings/{booking['id']}/audio-notes", content=note.body(), headers=note.headers(**alice)
    )
    assert {entry["action"] for entry in await api.audit()} == {"user.admin_bootstrap", "venue.create"}


async def test_a_refused_change_leaves_no_entry(api: AdminApi) -> None:
    venue = await api.venue()
    refused = await api.client.patch(f"/api/admin/venues/{venue['id']}", json={"capacity": -1}, headers=api.admin)
    assert refused.status_code == 400
    missing = await api.client.patch("/api/admin/venues/999999", json={"capacity": 5}, headers=api.admin)
    assert missing.status_code == 404
    assert [entry["action"] for entry in await api.audit()] == ["venue.create", "user.admin_bootstrap"]


async def test_filters_and_pagination(api: AdminApi) -> None:
    first, second = await api.venue(), await api.venue()
    await api.item()
    await api.client.patch(f"/api/admin/venues/{first['id']}", json={"capacity": 9}, headers=api.admin)

    only_first = await api.audit(target_type="venue", target_id=first["id"])
    assert [entry["action"] for entry in only_first] == ["venue.update", "venue.create"]
    assert [entry["target_id"] for entry in await api.audit(action="venue.create")] == [second["id"], first["id"]]
    admin_id = only_first[0]["actor_id"]
    assert len(await api.audit(actor_id=admin_id)) == 4
    latest = only_first[0]["at"]
    assert [entry["action"] for entry in await api.audit(**{"from": latest})] == ["venue.update"]
    assert "venue.update" not in [entry["action"] for entry in await api.audit(to=latest)]

    page = await api.client.get("/api/admin/audit-log", params={"page": 2, "page_size": 2}, headers=api.admin)
    info = page.json()["pagination"]
    assert {key: info[key] for key in ("page", "total", "total_pages", "has_next", "has_prev")} == {
        "page": 2,
        "total": 5,
        "total_pages": 3,
        "has_next": True,
        "has_prev": True,
    }
    # Walking by cursor gives every entry once, newest first.
    walked, params = [], {"page_size": 2}
    while True:
        answer = (await api.client.get("/api/admin/audit-log", params=params, headers=api.admin)).json()
        walked += [entry["id"] for entry in answer["items"]]
        if answer["pagination"]["next_cursor"] is None:
            break
        params = {"page_size": 2, "cursor": answer["pagination"]["next_cursor"]}
    assert walked == [entry["id"] for entry in await api.audit()]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": 0}, "page"),
        ({"page_size": 101}, "page_size"),
        ({"actor_id": "x"}, "actor_id"),
        ({"actor_id": 0}, "actor_id"),
        ({"target_id": "-3"}, "target_id"),
        ({"action": "a" * 65}, "action"),
        ({"from": "yesterday"}, "from"),
        ({"from": "2030-01-01T00:00:00"}, "from"),
        ({"from": "2030-01-02T00:00:00Z", "to": "2030-01-01T00:00:00Z"}, "to"),
    ],
)
async def test_bad_filters_are_400_naming_the_field(api: AdminApi, params: dict[str, object], field: str) -> None:
    answer = await api.client.get("/api/admin/audit-log", params=params, headers=api.admin)
    assert answer.status_code == 400, answer.text
    assert field in answer.text


async def test_only_admins_read_the_audit_log(api: AdminApi) -> None:
    _, alice = await api.new_user()
    assert (await api.client.get("/api/admin/audit-log", headers=alice)).status_code == 403
    assert (await api.client.get("/api/admin/audit-log")).status_code == 401


async def test_the_bootstrap_is_recorded_once_per_change(open_api: OpenApi) -> None:
    async with open_api() as api:
        pass
    # A second start with the same admin changes nothing, so records nothing new.
    async with open_api() as api:
        bootstraps = await api.audit(action="user.admin_bootstrap")
    assert len(bootstraps) == 1
    assert bootstraps[0]["details"]["email"] == ADMIN["email"]
