"""Regular programs over HTTP: admin create/update, public reads, enrolment, the
caller's enrolments, clashes with venue bookings, poster and images."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from litestar.testing import TestClient

from tests.support.booking_factories import PROGRAM_START, program_payload, venue_payload
from tests.support.media import Multipart, file_body, sample_file

START = PROGRAM_START


@pytest.fixture
def venue_id(api: TestClient, admin: dict[str, str]) -> int:
    return api.post("/api/admin/venues", json=venue_payload(timezone="Asia/Kolkata"), headers=admin).json()["id"]


@pytest.fixture
def program(api: TestClient, admin: dict[str, str], venue_id: int) -> dict:
    created = api.post("/api/admin/programs", json=program_payload(venue_id), headers=admin)
    assert created.status_code == 201, created.text
    return created.json()


def test_admin_creates_and_patches_a_program(api: TestClient, admin, program, venue_id) -> None:
    assert program == {
        "id": program["id"],
        "title": "Morning Yoga",
        "description": "Hatha basics",
        "venue_id": venue_id,
        "weekdays": [0, 2, 4],
        "start_time": "07:00",
        "duration_minutes": 60,
        "starts_on": START.isoformat(),
        "ends_on": (START + timedelta(days=60)).isoformat(),
        "capacity": 2,
        "seats_left": 2,
        "fee_paise": 2_000_00,
        "currency": "INR",
        "poster_url": None,
        "image_urls": [],
    }
    patched = api.patch(
        f"/api/admin/programs/{program['id']}", json={"capacity": 5, "title": "Sunrise Yoga"}, headers=admin
    )
    assert patched.status_code == 200
    assert {k: patched.json()[k] for k in ("title", "capacity", "seats_left", "weekdays")} == {
        "title": "Sunrise Yoga",
        "capacity": 5,
        "seats_left": 5,
        "weekdays": [0, 2, 4],
    }
    public = api.get(f"/api/programs/{program['id']}")
    assert public.status_code == 200 and public.json() == patched.json()
    listed = api.get("/api/programs", params={"page_size": 1})
    assert listed.status_code == 200 and listed.json()["items"] == [patched.json()]
    assert listed.json()["pagination"]["total"] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weekdays": [9]}, "weekdays"),
        ({"start_time": "7am"}, "start_time"),
        ({"capacity": 0}, "capacity"),
        ({"ends_on": "2020-01-01"}, "ends_on"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_program_input_is_400_naming_the_field(api: TestClient, admin, venue_id, change, field) -> None:
    answer = api.post("/api/admin/programs", json=program_payload(venue_id, **change), headers=admin)
    assert answer.status_code == 400, answer.text
    assert field in answer.text


def test_only_admins_edit_programs(api: TestClient, new_user, venue_id) -> None:
    _, user = new_user()
    assert api.post("/api/admin/programs", json=program_payload(venue_id), headers=user).status_code == 403
    assert api.post("/api/admin/programs", json=program_payload(venue_id)).status_code == 401
    assert api.post("/api/admin/programs", json=program_payload(999), headers=user).status_code == 403


def test_enrolment_capacity_and_cancellation(api: TestClient, new_user, program) -> None:
    users = [new_user()[1] for _ in range(3)]
    url = f"/api/programs/{program['id']}/enroll"
    first = api.post(url, headers=users[0])
    assert first.status_code == 201
    seat = first.json()
    assert {k: seat[k] for k in ("program_id", "status", "fee_paise", "currency")} == {
        "program_id": program["id"],
        "status": "enrolled",
        "fee_paise": 2_000_00,
        "currency": "INR",
    }
    assert api.post(url, headers=users[0]).status_code == 409
    assert api.post(url, headers=users[1]).status_code == 201
    full = api.post(url, headers=users[2])
    assert full.status_code == 409 and "full" in full.json()["detail"]
    assert api.get(f"/api/programs/{program['id']}").json()["seats_left"] == 0

    cancel_url = f"/api/programs/{program['id']}/enrolments/{seat['id']}/cancel"
    assert api.post(cancel_url, headers=users[2]).status_code == 404
    cancelled = api.post(cancel_url, headers=users[0])
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert api.post(cancel_url, headers=users[0]).status_code == 409
    assert api.post(url, headers=users[2]).status_code == 201

    mine = api.get("/api/bookings/regular-programs", headers=users[0])
    assert mine.status_code == 200
    assert [(e["id"], e["status"]) for e in mine.json()["items"]] == [(seat["id"], "cancelled")]
    assert api.get("/api/bookings/regular-programs", params={"page_size": 0}, headers=users[0]).status_code == 400
    assert api.get("/api/bookings/regular-programs").status_code == 401
    assert api.post(url).status_code == 401
    assert api.post("/api/programs/999999/enroll", headers=users[0]).status_code == 404


def test_program_sessions_and_venue_bookings_exclude_each_other(
    api: TestClient, admin, new_user, program, venue_id
) -> None:
    _, user = new_user()
    kolkata = ZoneInfo("Asia/Kolkata")
    monday = START + timedelta(days=(0 - START.weekday()) % 7)
    session_start = datetime.combine(monday, time(7), tzinfo=kolkata).astimezone(UTC)

    def book(start: datetime, hours: float = 1) -> int:
        body = {"venue_id": venue_id, "start": start.isoformat(), "end": (start + timedelta(hours=hours)).isoformat()}
        return api.post("/api/bookings", json=body, headers=user).status_code

    assert book(session_start - timedelta(minutes=30)) == 409
    assert book(session_start + timedelta(hours=1)) == 201  # right after the session
    tuesday = session_start + timedelta(days=1)
    assert book(tuesday) == 201
    clash = api.post(
        "/api/admin/programs", json=program_payload(venue_id, weekdays=[1], title="Tuesday Zumba"), headers=admin
    )
    assert clash.status_code == 409
    # Thursdays at that hour are free.
    other = api.post(
        "/api/admin/programs", json=program_payload(venue_id, weekdays=[3], title="Thursday Zumba"), headers=admin
    )
    assert other.status_code == 201


PNG = sample_file("image/png")


def test_poster_and_images_are_attached_to_the_program(api: TestClient, admin, program) -> None:
    poster = file_body("image/png", PNG, filename="poster.png")
    answer = api.post(
        f"/api/admin/programs/{program['id']}/poster", content=poster.body(), headers=poster.headers(**admin)
    )
    assert answer.status_code == 201, answer.text
    media = answer.json()
    images = Multipart([("files", f"photo{n}.png", "image/png", sample_file("image/png")) for n in range(2)])
    added = api.post(
        f"/api/admin/programs/{program['id']}/images", content=images.body(), headers=images.headers(**admin)
    )
    assert added.status_code == 201, added.text
    assert len(added.json()) == 2
    shown = api.get(f"/api/programs/{program['id']}").json()
    assert shown["poster_url"] == media["url"] == f"/api/files/{media['id']}"
    assert shown["image_urls"] == [m["url"] for m in added.json()]
    assert api.get(media["url"]).content == PNG

    too_many = Multipart([("files", f"p{n}.png", "image/png", sample_file("image/png", 64)) for n in range(11)])
    refused = api.post(
        f"/api/admin/programs/{program['id']}/images", content=too_many.body(), headers=too_many.headers(**admin)
    )
    assert refused.status_code == 400
    assert api.get(f"/api/programs/{program['id']}").json()["image_urls"] == shown["image_urls"]
    missing = api.post("/api/admin/programs/999999/poster", content=poster.body(), headers=poster.headers(**admin))
    assert missing.status_code == 404
