"""The audit log repository and the counts the quotas rely on, on memory, SQLite and
MariaDB: the same answers from every adapter."""

from __future__ import annotations

from datetime import date, timedelta

import msgspec
import pytest

from lebrq.domain.model.audit import AuditEntry, AuditFilter, NewAuditEntry
from lebrq.domain.model.bookings import BookingStatus
from lebrq.domain.model.media import MediaKind
from lebrq.domain.model.pagination import PageRequest
from lebrq.domain.model.programs import EnrolmentStatus, NewEnrolment, ProgramFields, new_program
from lebrq.domain.model.quotas import MediaUsage
from lebrq.ports.unit_of_work import UnitOfWorkFactory
from tests.integration.contract.test_media_repository import NewMediaFactory
from tests.support.booking_factories import NOW
from tests.support.contract_data import catalog_rows, new_booking

pytestmark = pytest.mark.anyio


def entry(minutes: int, **fields: object) -> NewAuditEntry:
    values: dict[str, object] = {
        "at": NOW + timedelta(minutes=minutes),
        "actor_id": 1,
        "action": "venue.update",
        "target_type": "venue",
        "target_id": 10,
        "details": {"capacity": 12, "name": "Hall ✓", "nested": {"weekdays": [0, 2]}, "none": None},
    }
    values.update(fields)
    return NewAuditEntry(**values)  # type: ignore[arg-type]


async def test_audit_entries_read_back_newest_first_with_filters(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        first = await uow.audit_log.add(entry(0))
        same_time = await uow.audit_log.add(entry(0, action="item.create", target_type="item", target_id=3))
        bootstrap = await uow.audit_log.add(
            entry(5, actor_id=None, action="user.admin_bootstrap", target_type="user", target_id=1, details={})
        )
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        everything = await uow.audit_log.list(AuditFilter(), PageRequest())
        assert everything.items == [bootstrap, same_time, first]
        assert everything.items[2] == AuditEntry(id=first.id, **msgspec.structs.asdict(entry(0)))

        async def ids(**filters: object) -> list[int]:
            found = await uow.audit_log.list(AuditFilter(**filters), PageRequest())  # type: ignore[arg-type]
            return [e.id for e in found.items]

        assert await ids(actor_id=1) == [same_time.id, first.id]
        assert await ids(action="item.create") == [same_time.id]
        assert await ids(target_type="venue", target_id=10) == [first.id]
        assert await ids(at_from=NOW + timedelta(minutes=1)) == [bootstrap.id]
        assert await ids(at_to=NOW + timedelta(minutes=5)) == [same_time.id, first.id]
        second_page = await uow.audit_log.list(AuditFilter(), PageRequest(page=2, page_size=2))
        assert ([e.id for e in second_page.items], second_page.total) == ([first.id], 3)


async def test_an_uncommitted_entry_is_rolled_back_with_its_change(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        await uow.audit_log.add(entry(0))
    async with contract_uow(read_only=True) as uow:
        assert (await uow.audit_log.list(AuditFilter(), PageRequest())).total == 0


async def test_pending_bookings_are_counted_per_user_while_their_hold_runs(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        user, venue, _ = await catalog_rows(uow)
        other, _, _ = await catalog_rows(uow)
        await uow.bookings.add(new_booking(user, venue, hours=(10, 11)))
        await uow.bookings.add(new_booking(user, venue, hours=(11, 12), hold_expires_at=NOW))  # lapsed
        confirmed = await uow.bookings.add(new_booking(user, venue, hours=(12, 13)))
        await uow.bookings.save_state(msgspec.structs.replace(confirmed, status=BookingStatus.CONFIRMED))
        await uow.bookings.add(new_booking(other, venue, hours=(13, 14)))
        await uow.users.lock(user)
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        assert await uow.bookings.count_pending(user, NOW) == 1
        assert await uow.bookings.count_pending(other, NOW) == 1
        assert await uow.bookings.count_pending(user, NOW + timedelta(minutes=30)) == 0


async def test_open_enrolments_are_active_ones_in_programs_not_ended(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        user, venue, _ = await catalog_rows(uow)
        ends = []
        for end in (date(2026, 12, 10), date(2026, 12, 20), date(2026, 12, 30)):
            program = await uow.programs.add(
                new_program(
                    ProgramFields(
                        title="Yoga",
                        venue_id=venue,
                        weekdays=[1],
                        start_time="07:00",
                        duration_minutes=60,
                        starts_on=date(2026, 12, 2),
                        ends_on=end,
                        capacity=5,
                        fee_paise=100,
                    ),
                    NOW,
                )
            )
            ends.append(await uow.enrolments.add(NewEnrolment(program.id, user, 100, NOW)))
        await uow.enrolments.save_state(msgspec.structs.replace(ends[2], status=EnrolmentStatus.CANCELLED))
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        assert await uow.enrolments.count_open(user, date(2026, 12, 10)) == 2
        assert await uow.enrolments.count_open(user, date(2026, 12, 11)) == 1
        assert await uow.enrolments.count_open(user, date(2026, 12, 21)) == 0
        assert await uow.enrolments.count_open(user + 1000, date(2026, 12, 1)) == 0


async def test_media_usage_of_a_booking(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        user, _, _ = await catalog_rows(uow)
        for size in (10**10, 5):  # beyond 32 bits in all
            await uow.media.add(
                NewMediaFactory.build(owner_id=user, kind=MediaKind.AUDIO_NOTE, booking_id=7, size=size)
            )
        await uow.media.add(NewMediaFactory.build(owner_id=user, kind=MediaKind.IMAGE, booking_id=7, size=3))
        await uow.media.add(NewMediaFactory.build(owner_id=user, kind=MediaKind.AUDIO_NOTE, booking_id=8, size=3))
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        assert await uow.media.usage_of_booking(7, MediaKind.AUDIO_NOTE) == MediaUsage(count=2, bytes=10**10 + 5)
        assert await uow.media.usage_of_booking(9, MediaKind.AUDIO_NOTE) == MediaUsage()
