"""Per-account quotas over HTTP, with parallel requests (SQLite and MariaDB): pending
bookings per user, audio notes per booking (count and bytes), open enrolments per user."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.admin.conftest import OpenApi
from tests.support.media import file_body, files_under, sample_file

pytestmark = pytest.mark.anyio

DAY = datetime(2030, 3, 1, tzinfo=UTC)


def slot(n: int, venue_id: int) -> dict[str, object]:
    start = DAY + timedelta(hours=2 * n)
    return {"venue_id": venue_id, "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()}


async def test_parallel_bookings_cannot_exceed_the_pending_quota(open_api: OpenApi) -> None:
    async with open_api(quota_pending_bookings_per_user=3) as api:
        venues = [await api.venue() for _ in range(4)]
        _, alice = await api.new_user()
        _, bob = await api.new_user()
        # Ten requests at once, for different venues and slots: only three may hold.
        answers = await asyncio.gather(
            *(api.client.post("/api/bookings", json=slot(n, venues[n % 4]["id"]), headers=alice) for n in range(10))
        )
        assert Counter(a.status_code for a in answers) == {201: 3, 409: 7}
        refused = next(a for a in answers if a.status_code == 409).json()
        assert refused["extra"] == {"quota": "pending_bookings_per_user", "limit": 3}
        assert "pending" in refused["detail"]
        # Another user is not affected; a confirmed booking no longer counts as pending.
        assert (await api.client.post("/api/bookings", json=slot(20, venues[0]["id"]), headers=bob)).status_code == 201
        held = [a.json()["id"] for a in answers if a.status_code == 201]
        await api.client.post(
            f"/api/admin/bookings/{held[0]}/confirm", json={"payment_reference": "UTR-1"}, headers=api.admin
        )
        await api.client.post(f"/api/bookings/{held[1]}/cancel", json={}, headers=alice)
        again = [
            await api.client.post("/api/bookings", json=slot(30 + n, venues[0]["id"]), headers=alice) for n in range(3)
        ]
        assert [a.status_code for a in again] == [201, 201, 409]


async def test_an_idempotent_replay_is_not_refused_by_the_quota(open_api: OpenApi) -> None:
    async with open_api(quota_pending_bookings_per_user=1) as api:
        venue = await api.venue()
        _, alice = await api.new_user()
        body = slot(0, venue["id"])
        first = await api.client.post("/api/bookings", json=body, headers={**alice, "Idempotency-Key": "k-1"})
        replay = await api.client.post("/api/bookings", json=body, headers={**alice, "Idempotency-Key": "k-1"})
        assert (first.status_code, replay.status_code) == (201, 201)
        assert replay.headers["Idempotent-Replayed"] == "true"


async def test_parallel_audio_notes_cannot_exceed_the_count_quota(open_api: OpenApi) -> None:
    async with open_api(quota_audio_notes_per_booking=2) as api:
        venue = await api.venue()
        _, alice = await api.new_user()
        booking = (await api.client.post("/api/bookings", json=slot(0, venue["id"]), headers=alice)).json()
        note = file_body("audio/mpeg", sample_file("audio/mpeg", 4096))
        path = f"/api/bookings/{booking['id']}/audio-notes"
        answers = await asyncio.gather(
            *(api.client.post(path, content=note.body(), headers=note.headers(**alice)) for _ in range(6))
        )
        assert Counter(a.status_code for a in answers) == {201: 2, 409: 4}
        assert next(a for a in answers if a.status_code == 409).json()["extra"]["quota"] == "audio_notes_per_booking"
        listed = await api.client.get(path, headers=alice)
        assert listed.json()["pagination"]["total"] == 2
        # Nothing of the refused uploads stays on disk.
        assert len(files_under(api.media_dir)) == 2


async def test_audio_note_bytes_are_bounded_per_booking(open_api: OpenApi) -> None:
    mib = 1024 * 1024
    async with open_api(quota_audio_note_mb_per_booking=1) as api:
        venue = await api.venue()
        _, alice = await api.new_user()
        booking = (await api.client.post("/api/bookings", json=slot(0, venue["id"]), headers=alice)).json()
        path = f"/api/bookings/{booking['id']}/audio-notes"

        async def upload(size: int) -> int:
            note = file_body("audio/ogg", sample_file("audio/ogg", size))
            answer = await api.client.post(path, content=note.body(), headers=note.headers(**alice))
            if answer.status_code == 409:
                extra = answer.json()["extra"]
                assert (extra["quota"], extra["limit"], extra["field"]) == ("audio_note_bytes_per_booking", mib, "file")
            return answer.status_code

        # 600 KiB fits; a second 600 KiB would pass 1 MiB in all, refused while it arrives.
        assert await upload(600 * 1024) == 201
        assert await upload(600 * 1024) == 409
        # Three parallel 200 KiB notes: only two fit in the 424 KiB left.
        assert sorted(await asyncio.gather(*(upload(200 * 1024) for _ in range(3)))) == [201, 201, 409]
        assert len(files_under(api.media_dir)) == 3


async def test_parallel_enrolments_cannot_exceed_the_open_enrolment_quota(open_api: OpenApi) -> None:
    async with open_api(quota_open_enrolments_per_user=2) as api:
        programs = [await api.program((await api.venue())["id"]) for _ in range(8)]
        _, alice = await api.new_user()
        answers = await asyncio.gather(
            *(api.client.post(f"/api/programs/{p['id']}/enroll", headers=alice) for p in programs)
        )
        assert Counter(a.status_code for a in answers) == {201: 2, 409: 6}
        refused = next(a for a in answers if a.status_code == 409).json()
        assert refused["extra"] == {"quota": "open_enrolments_per_user", "limit": 2}
        # Cancelling one frees a place under the quota.
        enrolment = next(a.json() for a in answers if a.status_code == 201)
        cancelled = await api.client.post(
            f"/api/programs/{enrolment['program_id']}/enrolments/{enrolment['id']}/cancel", headers=alice
        )
        assert cancelled.status_code == 200
        free = next(p for p in programs if p["id"] not in {a.json().get("program_id") for a in answers})
        assert (await api.client.post(f"/api/programs/{free['id']}/enroll", headers=alice)).status_code == 201


async def test_quotas_are_on_by_default() -> None:
    from lebrq.settings import settings_from_env

    settings = settings_from_env({})
    assert settings.quota_pending_bookings_per_user == 3
    assert settings.quota_audio_notes_per_booking == 10
    assert settings.quota_audio_note_mb_per_booking == 100
    assert settings.quota_open_enrolments_per_user == 5
