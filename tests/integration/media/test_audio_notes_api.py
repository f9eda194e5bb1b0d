"""Audio notes on a booking: private to the booking's owner and admins (404 for anyone
else, on upload, list and download alike)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from tests.support.booking_factories import venue_payload
from tests.support.media import file_body, files_under, sample_file, sha256_hex

MIB = 1024 * 1024
User = tuple[int, dict[str, str]]


@pytest.fixture
def booking(media_client: TestClient, admin_headers: dict[str, str], new_user: Callable[[], User]) -> dict[str, Any]:
    """A booking of a fresh user: {"id", "owner": (user id, headers)}."""
    venue = media_client.post("/api/admin/venues", json=venue_payload(), headers=admin_headers)
    assert venue.status_code == 201, venue.text
    owner = new_user()
    start = (datetime.now(UTC) + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    answer = media_client.post(
        "/api/bookings",
        json={
            "venue_id": venue.json()["id"],
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
            "items": [],
        },
        headers=owner[1],
    )
    assert answer.status_code == 201, answer.text
    return {"id": answer.json()["id"], "owner": owner}


def add_note(
    client: TestClient, booking_id: int, headers: dict[str, str], content_type: str = "audio/mpeg", size: int = 4000
) -> tuple[bytes, Any]:
    data = sample_file(content_type, size)
    body = file_body("audio/whatever", data, filename="note.mp3")
    return data, client.post(
        f"/api/bookings/{booking_id}/audio-notes", content=body.body(), headers=body.headers(**headers)
    )


@pytest.mark.parametrize("content_type", ["audio/mpeg", "audio/mp4", "audio/ogg", "audio/wav"])
def test_owner_adds_a_note_and_only_owner_and_admins_can_fetch_it(
    media_client: TestClient,
    booking: dict[str, Any],
    admin_headers: dict[str, str],
    new_user: Callable[[], User],
    content_type: str,
) -> None:
    owner_headers = booking["owner"][1]
    data, answer = add_note(media_client, booking["id"], owner_headers, content_type)
    assert answer.status_code == 201, answer.text
    note = answer.json()
    assert (note["kind"], note["content_type"], note["sha256"]) == ("audio_note", content_type, sha256_hex(data))

    assert media_client.get(note["url"], headers=owner_headers).content == data
    assert media_client.get(note["url"], headers=admin_headers).status_code == 200
    assert media_client.get(note["url"]).status_code == 404
    assert media_client.head(note["url"]).status_code == 404
    assert media_client.get(note["url"], headers=new_user()[1]).status_code == 404
    private = media_client.get(note["url"], headers=owner_headers)
    assert "private" in private.headers["cache-control"]
    assert media_client.get("/api/gallery").json()["items"] == []


def test_webm_audio_is_accepted(media_client: TestClient, booking: dict[str, Any]) -> None:
    _, answer = add_note(media_client, booking["id"], booking["owner"][1], "video/webm")
    assert answer.status_code == 201
    assert answer.json()["content_type"] == "audio/webm"


def test_admin_adds_a_note_the_owner_can_hear(
    media_client: TestClient, booking: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    data, answer = add_note(media_client, booking["id"], admin_headers)
    assert answer.status_code == 201
    assert media_client.get(answer.json()["url"], headers=booking["owner"][1]).content == data


def test_someone_elses_booking_is_404_and_nothing_is_stored(
    media_client: TestClient,
    booking: dict[str, Any],
    new_user: Callable[[], User],
    media_dir: Path,
    media_rows: Callable[[], list[tuple]],
) -> None:
    stranger = new_user()[1]
    _, answer = add_note(media_client, booking["id"], stranger)
    assert answer.status_code == 404
    _, missing = add_note(media_client, 999_999, stranger)
    assert missing.status_code == 404
    assert media_client.get(f"/api/bookings/{booking['id']}/audio-notes", headers=stranger).status_code == 404
    assert files_under(media_dir) == [] and media_rows() == []


def test_anonymous_is_401(media_client: TestClient, booking: dict[str, Any]) -> None:
    _, answer = add_note(media_client, booking["id"], {})
    assert answer.status_code == 401


@pytest.mark.parametrize(
    ("content_type", "size", "status"),
    [("image/png", 4000, 415), ("text/plain", 4000, 415), ("audio/mpeg", MIB + 1, 413)],
)
def test_refused_notes_leave_nothing(
    media_client: TestClient,
    booking: dict[str, Any],
    media_dir: Path,
    media_rows: Callable[[], list[tuple]],
    content_type: str,
    size: int,
    status: int,
) -> None:
    _, answer = add_note(media_client, booking["id"], booking["owner"][1], content_type, size)
    assert answer.status_code == status, answer.text
    assert files_under(media_dir) == [] and media_rows() == []


def test_plain_mp4_container_is_taken_as_mp4_audio(media_client: TestClient, booking: dict[str, Any]) -> None:
    # Phones often record voice notes as ISO "isom" MP4: stored as audio/mp4.
    _, answer = add_note(media_client, booking["id"], booking["owner"][1], "video/mp4")
    assert answer.status_code == 201
    assert answer.json()["content_type"] == "audio/mp4"


def test_list_of_notes_is_paginated_newest_first(
    media_client: TestClient, booking: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    owner_headers = booking["owner"][1]
    ids = [add_note(media_client, booking["id"], owner_headers)[1].json()["id"] for _ in range(3)]
    url = f"/api/bookings/{booking['id']}/audio-notes"
    page = media_client.get(url, params={"page_size": 2}, headers=owner_headers).json()
    rest = media_client.get(url, params={"page": 2, "page_size": 2}, headers=admin_headers).json()
    assert [m["id"] for m in page["items"] + rest["items"]] == ids[::-1]
    assert page["pagination"]["total"] == 3
