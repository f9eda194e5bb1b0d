"""Regular programs on in-memory adapters: schedule clashes both ways, capacity,
double enrolment, cancellation freeing a seat."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from polyfactory import Use
from polyfactory.factories.msgspec_factory import MsgspecFactory

from lebrq.adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from lebrq.adapters.system.clock import FixedClock
from lebrq.domain.model.bookings import BookingRequest, TimeSlot
from lebrq.domain.model.errors import Conflict, InvalidInput, NotFound
from lebrq.domain.model.pagination import PageRequest
from lebrq.domain.model.program_schedule import ProgramSchedule
from lebrq.domain.model.programs import EnrolmentStatus, ProgramFields
from tests.support.booking_factories import NOW, NewUserFactory
from tests.support.invoicing import booked_world, services_on

pytestmark = pytest.mark.anyio

WEDNESDAY = date(2026, 12, 2)  # the day after NOW (a Tuesday)


class ProgramFieldsFactory(MsgspecFactory[ProgramFields]):
    """Yoga on Mondays and Wednesdays, 07:00-08:00 at the venue (IST = UTC+05:30)."""

    title = Use(lambda: f"Morning {MsgspecFactory.__faker__.word().title()}")
    description = Use(lambda: MsgspecFactory.__faker__.sentence())
    weekdays = Use(lambda: [0, 2])
    start_time = "07:00"
    duration_minutes = 60
    starts_on = WEDNESDAY
    ends_on = date(2027, 1, 31)
    capacity = 2
    fee_paise = 2_000_00


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


@pytest.fixture
def uow() -> MemoryUnitOfWorkFactory:
    return MemoryUnitOfWorkFactory()


@pytest.fixture
def world(uow: MemoryUnitOfWorkFactory):
    return services_on(uow, FixedClock(NOW))


async def new_user(uow: MemoryUnitOfWorkFactory) -> int:
    async with uow() as tx:
        user = await tx.users.add(NewUserFactory.build())
        await tx.commit()
    return user.id


def test_sessions_are_local_to_the_venue_and_touching_is_not_a_clash() -> None:
    schedule = ProgramSchedule((0, 2), time(7), 60, WEDNESDAY, date(2027, 1, 31), "Asia/Kolkata")
    assert schedule.session_on(WEDNESDAY) == TimeSlot(utc(WEDNESDAY, 1, 30), utc(WEDNESDAY, 2, 30))
    assert schedule.session_on(WEDNESDAY + timedelta(days=1)) is None  # Thursday
    assert schedule.session_on(date(2027, 2, 1)) is None  # a Monday after ends_on
    assert schedule.first_clash(TimeSlot(utc(WEDNESDAY, 0, 30), utc(WEDNESDAY, 1, 30))) is None
    assert schedule.first_clash(TimeSlot(utc(WEDNESDAY, 2, 30), utc(WEDNESDAY, 4))) is None
    assert schedule.first_clash(TimeSlot(utc(WEDNESDAY, 2), utc(WEDNESDAY, 2, 30))) is not None


def test_a_session_keeps_its_local_time_across_daylight_saving() -> None:
    london = ProgramSchedule((6,), time(9), 30, date(2027, 3, 21), date(2027, 4, 4), "Europe/London")
    assert london.session_on(date(2027, 3, 21)).start == datetime(2027, 3, 21, 9, tzinfo=UTC)
    assert london.session_on(date(2027, 3, 28)).start == datetime(2027, 3, 28, 8, tzinfo=UTC)  # BST


def test_a_late_session_crossing_midnight_clashes_with_the_next_morning() -> None:
    late = ProgramSchedule((1,), time(23), 120, WEDNESDAY - timedelta(days=1), WEDNESDAY, "UTC")
    early = ProgramSchedule((2,), time(0, 30), 30, WEDNESDAY, WEDNESDAY, "UTC")
    assert late.first_clash_with(early) is not None
    assert early.first_clash_with(late) is not None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"weekdays": []}, "weekdays"),
        ({"weekdays": [7]}, "weekdays"),
        ({"weekdays": [1, 1]}, "weekdays"),
        ({"start_time": "7:00"}, "start_time"),
        ({"start_time": "24:00"}, "start_time"),
        ({"ends_on": date(2026, 11, 30)}, "ends_on"),
        ({"ends_on": date(2029, 1, 1)}, "ends_on"),
        ({"capacity": 0}, "capacity"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"title": "  "}, "title"),
    ],
)
async def test_bad_program_fields_are_refused_naming_the_field(uow, world, change, field) -> None:
    _user, venue_id, _item = await booked_world(uow)
    with pytest.raises(InvalidInput) as refused:
        await world.programs.create(ProgramFieldsFactory.build(venue_id=venue_id, **change))
    assert refused.value.field == field


async def test_unknown_venue_is_not_found(uow, world) -> None:
    with pytest.raises(NotFound):
        await world.programs.create(ProgramFieldsFactory.build(venue_id=999))


async def test_a_venue_booking_over_a_program_session_is_refused(uow, world) -> None:
    user_id, venue_id, _ = await booked_world(uow)
    program = await world.programs.create(ProgramFieldsFactory.build(venue_id=venue_id))
    with pytest.raises(Conflict) as refused:
        await world.bookings.create(
            user_id, BookingRequest(venue_id=venue_id, start=utc(WEDNESDAY, 1), end=utc(WEDNESDAY, 2))
        )
    assert refused.value.extra["program_id"] == program.id
    # Right after the session, and on a day without one, the venue is free.
    await world.bookings.create(
        user_id, BookingRequest(venue_id=venue_id, start=utc(WEDNESDAY, 2, 30), end=utc(WEDNESDAY, 4))
    )
    thursday = WEDNESDAY + timedelta(days=1)
    await world.bookings.create(
        user_id, BookingRequest(venue_id=venue_id, start=utc(thursday, 1), end=utc(thursday, 2))
    )


async def test_a_program_over_an_active_booking_or_another_program_is_refused(uow, world) -> None:
    user_id, venue_id, _ = await booked_world(uow)
    monday = WEDNESDAY + timedelta(days=12)
    booked = await world.bookings.create(
        user_id, BookingRequest(venue_id=venue_id, start=utc(monday, 1), end=utc(monday, 2))
    )
    with pytest.raises(Conflict):
        await world.programs.create(ProgramFieldsFactory.build(venue_id=venue_id))
    await world.bookings.cancel(booked.booking.id, caller_id=user_id)
    first = await world.programs.create(ProgramFieldsFactory.build(venue_id=venue_id))
    with pytest.raises(Conflict) as refused:
        await world.programs.create(ProgramFieldsFactory.build(venue_id=venue_id, weekdays=[2, 4], start_time="07:30"))
    assert refused.value.extra["program_id"] == first.id
    # The same hours on other days, or right after, fit.
    await world.programs.create(ProgramFieldsFactory.build(venue_id=venue_id, weekdays=[1, 3]))
    await world.programs.create(ProgramFieldsFactory.build(venue_id=venue_id, start_time="08:00"))


async def test_rescheduling_is_checked_but_other_edits_are_not(uow, world) -> None:
    user_id, venue_id, _ = await booked_world(uow)
    program = await world.programs.create(ProgramFieldsFactory.build(venue_id=venue_id))
    thursday = WEDNESDAY + timedelta(days=1)
    await world.bookings.create(
        user_id, BookingRequest(venue_id=venue_id, start=utc(thursday, 1), end=utc(thursday, 2))
    )
    with pytest.raises(Conflict):
        await world.programs.update(program.id, ProgramFields(weekdays=[3]))
    renamed = await world.programs.update(program.id, ProgramFields(title="Sunrise Yoga", fee_paise=2_500_00))
    assert (renamed.title, renamed.fee_paise, renamed.weekdays) == ("Sunrise Yoga", 2_500_00, (0, 2))


async def test_capacity_double_enrolment_and_cancellation(uow, world) -> None:
    _, venue_id, _ = await booked_world(uow)
    program = await world.programs.create(ProgramFieldsFactory.build(venue_id=venue_id, capacity=2))
    first, second, third = [await new_user(uow) for _ in range(3)]
    seat = await world.programs.enroll(program.id, first)
    assert (seat.status, seat.fee_paise) == (EnrolmentStatus.ENROLLED, 2_000_00)
    with pytest.raises(Conflict, match="already enrolled"):
        await world.programs.enroll(program.id, first)
    await world.programs.enroll(program.id, second)
    assert (await world.programs.get(program.id)).seats_left == 0
    with pytest.raises(Conflict, match="full"):
        await world.programs.enroll(program.id, third)
    with pytest.raises(Conflict, match="capacity"):
        await world.programs.update(program.id, ProgramFields(capacity=1))
    with pytest.raises(NotFound):
        await world.programs.cancel_enrolment(program.id, seat.id, user_id=third, is_admin=False)
    cancelled = await world.programs.cancel_enrolment(program.id, seat.id, user_id=first, is_admin=False)
    assert cancelled.status is EnrolmentStatus.CANCELLED
    with pytest.raises(Conflict):
        await world.programs.cancel_enrolment(program.id, seat.id, user_id=first, is_admin=False)
    assert (await world.programs.get(program.id)).seats_left == 1
    await world.programs.enroll(program.id, third)
    mine = await world.programs.enrolments_of(first, PageRequest.of(1, 10))
    assert [e.status for e in mine.items] == [EnrolmentStatus.CANCELLED]


async def test_an_ended_program_takes_no_enrolments(uow) -> None:
    clock = FixedClock(NOW)
    world = services_on(uow, clock)
    _, venue_id, _ = await booked_world(uow)
    program = await world.programs.create(ProgramFieldsFactory.build(venue_id=venue_id, ends_on=date(2027, 1, 4)))
    clock.set(utc(date(2027, 1, 4), 2, 30))  # the last session (Monday 07:00-08:00 IST) is over
    with pytest.raises(Conflict, match="ended"):
        await world.programs.enroll(program.id, await new_user(uow))


async def test_fee_change_does_not_alter_existing_enrolments(uow, world) -> None:
    _, venue_id, _ = await booked_world(uow)
    program = await world.programs.create(ProgramFieldsFactory.build(venue_id=venue_id))
    user = await new_user(uow)
    await world.programs.enroll(program.id, user)
    await world.programs.update(program.id, ProgramFields(fee_paise=9_00))
    mine = await world.programs.enrolments_of(user, PageRequest.of())
    assert mine.items[0].fee_paise == 2_000_00
