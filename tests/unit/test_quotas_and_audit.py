"""Quotas and the audit log on in-memory adapters: limits per account, what an audit
entry holds, that a refused or failed change records nothing, that no secret is stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest

from lebrq.adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from lebrq.adapters.system.clock import FixedClock
from lebrq.domain.model.audit import AuditAction, AuditFilter, without_secrets
from lebrq.domain.model.bookings import BookingStatus
from lebrq.domain.model.catalog import VenueFields
from lebrq.domain.model.errors import InvalidInput, NotFound
from lebrq.domain.model.media import IncomingFile
from lebrq.domain.model.pagination import PageRequest
from lebrq.domain.model.programs import ProgramFields
from lebrq.domain.model.quotas import MediaUsage, QuotaExceeded, Quotas
from lebrq.domain.services.audit import record
from lebrq.http.services import Services
from tests.support.booking_factories import NOW, NewUserFactory, VenueFieldsFactory, booking_request, slot
from tests.support.invoicing import booked_world, services_on
from tests.support.media import sample_file

pytestmark = pytest.mark.anyio
KIB = 1024


@pytest.fixture
def uow() -> MemoryUnitOfWorkFactory:
    return MemoryUnitOfWorkFactory()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def world(uow: MemoryUnitOfWorkFactory, clock: FixedClock, **settings: object) -> Services:
    return services_on(uow, clock, **settings)


async def new_user(uow: MemoryUnitOfWorkFactory) -> int:
    async with uow() as tx:
        user = await tx.users.add(NewUserFactory.build())
        await tx.commit()
    return user.id


async def one_file(data: bytes) -> AsyncIterator[IncomingFile]:
    async def chunks() -> AsyncIterator[bytes]:
        for offset in range(0, len(data), 4096):
            yield data[offset : offset + 4096]

    yield IncomingFile(filename="note.ogg", chunks=chunks())


async def test_pending_bookings_are_limited_per_user_until_a_hold_lapses(uow, clock) -> None:
    services = world(uow, clock, quota_pending_bookings_per_user=2)
    user, venue, _ = await booked_world(uow)
    other = await new_user(uow)
    for hour in (10, 12):
        await services.bookings.create(user, booking_request(venue, **slot(hour, hour + 1)))
    with pytest.raises(QuotaExceeded) as refused:
        await services.bookings.create(user, booking_request(venue, **slot(14, 15)))
    assert (refused.value.quota, refused.value.limit) == ("pending_bookings_per_user", 2)
    await services.bookings.create(other, booking_request(venue, **slot(14, 15)))
    clock.advance(minutes=31)  # both holds lapse: they no longer count
    created = await services.bookings.create(user, booking_request(venue, **slot(16, 17)))
    assert created.booking.status is BookingStatus.PENDING


async def test_a_quota_of_zero_is_off(uow, clock) -> None:
    services = world(uow, clock, quota_pending_bookings_per_user=0)
    user, venue, _ = await booked_world(uow)
    for hour in range(6, 18, 2):
        await services.bookings.create(user, booking_request(venue, **slot(hour, hour + 1)))


def test_audio_note_quotas_count_and_bytes() -> None:
    quotas = Quotas(audio_notes_per_booking=2, audio_note_bytes_per_booking=100)
    assert quotas.audio_note_bytes_left(MediaUsage(count=1, bytes=30)) == 70
    with pytest.raises(QuotaExceeded, match="at most 2 audio notes"):
        quotas.audio_note_bytes_left(MediaUsage(count=2, bytes=30))
    with pytest.raises(QuotaExceeded, match="100 bytes"):
        quotas.audio_note_bytes_left(MediaUsage(count=1, bytes=100))
    quotas.check_audio_notes(MediaUsage(count=1, bytes=30), added=MediaUsage(count=1, bytes=70))
    with pytest.raises(QuotaExceeded, match="100 bytes"):
        quotas.check_audio_notes(MediaUsage(count=1, bytes=30), added=MediaUsage(count=1, bytes=71))
    assert Quotas().audio_note_bytes_left(MediaUsage(count=500, bytes=10**12)) is None


async def test_audio_notes_beyond_the_byte_quota_are_refused_and_leave_nothing(uow, clock) -> None:
    services = world(uow, clock, quota_audio_note_mb_per_booking=1)
    user, venue, _ = await booked_world(uow)
    booking = (await services.bookings.create(user, booking_request(venue, **slot(10, 11)))).booking
    note = await services.media.upload_audio_note(
        booking.id, one_file(sample_file("audio/ogg", 700 * KIB)), caller_id=user, caller_is_admin=False
    )
    with pytest.raises(QuotaExceeded) as refused:
        await services.media.upload_audio_note(
            booking.id, one_file(sample_file("audio/ogg", 400 * KIB)), caller_id=user, caller_is_admin=False
        )
    assert refused.value.quota == "audio_note_bytes_per_booking"
    assert [key async for key in services.blob_storage.keys()] == [note.storage_key]  # noqa: SIM118 - async iterator
    # 300 KiB still fit.
    await services.media.upload_audio_note(
        booking.id, one_file(sample_file("audio/ogg", 300 * KIB)), caller_id=user, caller_is_admin=False
    )


async def test_open_enrolments_exclude_cancelled_ones_and_ended_programs(uow, clock) -> None:
    services = world(uow, clock, quota_open_enrolments_per_user=1)
    user = await new_user(uow)
    programs = []
    for _ in range(3):
        venue = await services.catalog.create_venue(VenueFieldsFactory.build())
        programs.append(
            await services.programs.create(
                ProgramFields(
                    title="Yoga",
                    venue_id=venue.id,
                    weekdays=[0, 2],
                    start_time="07:00",
                    duration_minutes=60,
                    starts_on=date(2026, 12, 2),
                    ends_on=date(2026, 12, 20),
                    capacity=5,
                    fee_paise=100,
                )
            )
        )
    first = await services.programs.enroll(programs[0].id, user)
    with pytest.raises(QuotaExceeded):
        await services.programs.enroll(programs[1].id, user)
    await services.programs.cancel_enrolment(programs[0].id, first.id, user_id=user, is_admin=False)
    await services.programs.enroll(programs[1].id, user)
    # The day after the program's last day its enrolment is no longer open.
    async with uow(read_only=True) as tx:
        assert await tx.enrolments.count_open(user, date(2026, 12, 20)) == 1
        assert await tx.enrolments.count_open(user, date(2026, 12, 21)) == 0


async def test_admin_changes_are_recorded_with_what_was_sent(uow, clock) -> None:
    services = world(uow, clock)
    venue = await services.catalog.create_venue(VenueFieldsFactory.build(name="Banyan Hall"), actor_id=7)
    clock.advance(seconds=1)
    await services.catalog.update_venue(venue.id, VenueFields(capacity=12), actor_id=8)
    page = await services.audit_log.list(AuditFilter(), PageRequest())
    latest, first = page.items
    assert (latest.action, latest.actor_id, latest.target_type, latest.target_id) == (
        AuditAction.VENUE_UPDATE,
        8,
        "venue",
        venue.id,
    )
    assert latest.details == {"capacity": 12}
    assert latest.at == NOW + timedelta(seconds=1)
    assert first.details["name"] == "Banyan Hall"
    only_actor = await services.audit_log.list(AuditFilter(actor_id=7), PageRequest())
    assert [entry.id for entry in only_actor.items] == [first.id]


async def test_a_refused_or_failed_change_records_nothing(uow, clock) -> None:
    services = world(uow, clock)
    with pytest.raises(InvalidInput):
        await services.catalog.create_venue(VenueFields(name="No capacity"), actor_id=1)
    with pytest.raises(NotFound):
        await services.catalog.update_venue(404, VenueFields(capacity=3), actor_id=1)
    assert (await services.audit_log.list(AuditFilter(), PageRequest())).total == 0


async def test_secrets_never_reach_the_details(uow) -> None:
    assert without_secrets(
        {"email": "a@b.cd", "password": "x", "new_password_hash": "y", "nested": {"api_token": "z", "role": "admin"}}
    ) == {"email": "a@b.cd", "nested": {"role": "admin"}}
    async with uow() as tx:
        await record(
            tx, at=NOW, actor_id=None, action=AuditAction.ADMIN_BOOTSTRAP, target_id=1, details={"password": "p"}
        )
        await tx.commit()
        entries = await tx.audit_log.list(AuditFilter(), PageRequest())
    assert entries.items[0].details == {}
    assert entries.items[0].target_type == "user"


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        (AuditFilter(action=""), "action"),
        (AuditFilter(target_type="x" * 33), "target_type"),
        (AuditFilter(at_from=NOW.replace(tzinfo=None)), "from"),
        (AuditFilter(at_from=NOW, at_to=NOW), "to"),
    ],
)
async def test_bad_audit_filters_name_the_field(uow, clock, filters: AuditFilter, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        await world(uow, clock).audit_log.list(filters, PageRequest())
    assert refused.value.field == field
