"""The program and enrolment repository contract, on memory, SQLite and MariaDB."""

from __future__ import annotations

from datetime import date, time, timedelta

import msgspec
import pytest

from lebrq.domain.model.pagination import PageRequest
from lebrq.domain.model.programs import EnrolmentStatus, NewEnrolment, Program
from lebrq.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from tests.support.booking_factories import NOW, NewUserFactory
from tests.support.contract_data import catalog_rows

pytestmark = pytest.mark.anyio


def program(venue_id: int, **changes: object) -> Program:
    blank = Program(
        id=0,
        title="Morning Yoga",
        description="Hatha, all levels",
        venue_id=venue_id,
        weekdays=(0, 2, 4),
        start_time=time(7, 30),
        duration_minutes=60,
        starts_on=date(2026, 12, 1),
        ends_on=date(2027, 2, 28),
        capacity=12,
        fee_paise=2_500_00,
        poster_url="/api/media/3",
        image_urls=("/api/media/4", "/api/media/5"),
        created_at=NOW,
        updated_at=NOW,
    )
    return msgspec.structs.replace(blank, **changes)


async def enrol(uow: UnitOfWork, program_id: int, user_id: int, minutes: int = 0) -> int:
    enrolment = await uow.enrolments.add(
        NewEnrolment(
            program_id=program_id, user_id=user_id, fee_paise=2_500_00, created_at=NOW + timedelta(minutes=minutes)
        )
    )
    return enrolment.id


async def test_a_program_reads_back_field_for_field_with_its_enrolled_count(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        user, venue, _ = await catalog_rows(uow)
        stored = await uow.programs.add(program(venue, id=999, enrolled=7))
        await enrol(uow, stored.id, user)
        await uow.commit()
    assert stored.id != 999 and stored.enrolled == 0
    async with contract_uow(read_only=True) as uow:
        read = await uow.programs.get(stored.id)
        assert await uow.programs.get(stored.id + 1000) is None
    assert read == msgspec.structs.replace(stored, enrolled=1)


async def test_save_writes_every_editable_field(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        _, venue, _ = await catalog_rows(uow)
        stored = await uow.programs.add(program(venue))
        changed = msgspec.structs.replace(
            stored,
            title="Evening Yoga",
            weekdays=(1,),
            start_time=time(18, 0),
            capacity=20,
            fee_paise=3_000_00,
            poster_url=None,
            image_urls=(),
            ends_on=date(2027, 3, 31),
            updated_at=NOW + timedelta(hours=1),
        )
        await uow.programs.save(changed)
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        assert await uow.programs.get(stored.id) == changed


async def test_get_for_update_counts_only_active_enrolments(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        user, venue, _ = await catalog_rows(uow)
        other = (await uow.users.add(NewUserFactory.build())).id
        stored = await uow.programs.add(program(venue))
        await enrol(uow, stored.id, user)
        cancelled_id = await enrol(uow, stored.id, other)
        cancelled = await uow.enrolments.get(cancelled_id)
        assert cancelled is not None
        await uow.enrolments.save_state(cancelled.cancel(NOW + timedelta(hours=2)))
        locked = await uow.programs.get_for_update(stored.id)
        await uow.commit()
    assert locked is not None and locked.enrolled == 1 and locked.seats_left == 11


async def test_list_is_newest_first_and_at_venue_finds_overlapping_date_ranges(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        _, venue, _ = await catalog_rows(uow)
        _, elsewhere, _ = await catalog_rows(uow)
        winter = await uow.programs.add(program(venue, title="Winter"))
        spring = await uow.programs.add(
            program(
                venue,
                title="Spring",
                starts_on=date(2027, 3, 1),
                ends_on=date(2027, 5, 31),
                created_at=NOW + timedelta(days=1),
            )
        )
        await uow.programs.add(program(elsewhere, title="Elsewhere", created_at=NOW + timedelta(days=2)))
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        first = await uow.programs.list(PageRequest(1, 2))
        second = await uow.programs.list(PageRequest(2, 2))
        in_february = await uow.programs.at_venue(venue, date(2027, 2, 20), date(2027, 2, 28))
        across = await uow.programs.at_venue(venue, date(2027, 2, 28), date(2027, 3, 1))
    assert [p.title for p in first.items] == ["Elsewhere", "Spring"] and first.total == 3
    assert [p.title for p in second.items] == ["Winter"]
    assert [p.id for p in in_february] == [winter.id]
    assert sorted(p.id for p in across) == sorted([winter.id, spring.id])


async def test_enrolments_read_back_and_list_per_user_newest_first(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        user, venue, _ = await catalog_rows(uow)
        other = (await uow.users.add(NewUserFactory.build())).id
        yoga = await uow.programs.add(program(venue))
        dance = await uow.programs.add(program(venue, title="Dance"))
        first = await enrol(uow, yoga.id, user)
        second = await enrol(uow, dance.id, user, minutes=5)
        await enrol(uow, dance.id, other, minutes=10)
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        stored = await uow.enrolments.get(first)
        active = await uow.enrolments.active_for(dance.id, user)
        none = await uow.enrolments.active_for(dance.id, user + other + 1000)
        mine = await uow.enrolments.list_for_user(user, PageRequest(1, 10))
    assert stored is not None
    assert (stored.program_id, stored.user_id, stored.status, stored.fee_paise, stored.currency) == (
        yoga.id,
        user,
        EnrolmentStatus.ENROLLED,
        2_500_00,
        "INR",
    )
    assert stored.created_at == NOW == stored.updated_at
    assert active is not None and active.id == second and none is None
    assert [e.id for e in mine.items] == [second, first] and mine.total == 2


async def test_a_cancelled_enrolment_is_no_longer_active_and_keeps_its_change_time(
    contract_uow: UnitOfWorkFactory,
) -> None:
    later = NOW + timedelta(days=1)
    async with contract_uow() as uow:
        user, venue, _ = await catalog_rows(uow)
        yoga = await uow.programs.add(program(venue))
        enrolment = await uow.enrolments.get(await enrol(uow, yoga.id, user))
        assert enrolment is not None
        await uow.enrolments.save_state(enrolment.cancel(later))
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        stored = await uow.enrolments.get(enrolment.id)
        assert await uow.enrolments.active_for(yoga.id, user) is None
    assert stored is not None and (stored.status, stored.updated_at) == (EnrolmentStatus.CANCELLED, later)


async def test_program_writes_are_rolled_back_unless_committed(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        _, venue, _ = await catalog_rows(uow)
        await uow.commit()
    async with contract_uow() as uow:
        stored = await uow.programs.add(program(venue))
    async with contract_uow(read_only=True) as uow:
        assert await uow.programs.get(stored.id) is None
