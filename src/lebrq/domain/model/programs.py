"""Regular programs (weekly classes at a venue) and enrolments in them."""

from __future__ import annotations

import enum
import re
from datetime import date, datetime, time, timedelta
from typing import Any

import msgspec

from lebrq.domain.model.bookings import clean_text
from lebrq.domain.model.catalog import CURRENCY, MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH, MAX_PRICE_PAISE
from lebrq.domain.model.errors import Conflict, InvalidInput
from lebrq.domain.model.program_schedule import ProgramSchedule

MAX_DURATION_MINUTES = 12 * 60
# Sessions are computed over the whole date range when a program is checked for clashes.
MAX_SPAN = timedelta(days=731)
MAX_CAPACITY = 100_000
_HH_MM = re.compile(r"^([01][0-9]|2[0-3]):([0-5][0-9])$")


class Program(msgspec.Struct, frozen=True, gc=False):
    id: int
    title: str
    description: str
    venue_id: int
    weekdays: tuple[int, ...]
    start_time: time
    duration_minutes: int
    starts_on: date
    ends_on: date
    capacity: int
    fee_paise: int
    poster_url: str | None
    image_urls: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    currency: str = CURRENCY
    # Active enrolments when read (not stored on the row).
    enrolled: int = 0

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - self.enrolled)

    def schedule(self, timezone: str) -> ProgramSchedule:
        return ProgramSchedule(
            weekdays=self.weekdays,
            start_time=self.start_time,
            duration_minutes=self.duration_minutes,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            timezone=timezone,
        )


class ProgramFields(msgspec.Struct, frozen=True, gc=False, omit_defaults=True):
    """The editable fields of a program. On update, `UNSET` fields are left as they are."""

    title: str | msgspec.UnsetType = msgspec.UNSET
    description: str | msgspec.UnsetType = msgspec.UNSET
    venue_id: int | msgspec.UnsetType = msgspec.UNSET
    weekdays: list[int] | msgspec.UnsetType = msgspec.UNSET
    start_time: str | msgspec.UnsetType = msgspec.UNSET
    duration_minutes: int | msgspec.UnsetType = msgspec.UNSET
    starts_on: date | msgspec.UnsetType = msgspec.UNSET
    ends_on: date | msgspec.UnsetType = msgspec.UNSET
    capacity: int | msgspec.UnsetType = msgspec.UNSET
    fee_paise: int | msgspec.UnsetType = msgspec.UNSET

    def changes_schedule(self) -> bool:
        schedule_fields = ("venue_id", "weekdays", "start_time", "duration_minutes", "starts_on", "ends_on")
        return any(getattr(self, name) is not msgspec.UNSET for name in schedule_fields)


_REQUIRED = (
    "title",
    "venue_id",
    "weekdays",
    "start_time",
    "duration_minutes",
    "starts_on",
    "ends_on",
    "capacity",
    "fee_paise",
)


def new_program(fields: ProgramFields, now: datetime) -> Program:
    """A program to insert (id 0 until stored); every field but the description is required."""
    missing = [name for name in _REQUIRED if getattr(fields, name) is msgspec.UNSET]
    if missing:
        raise InvalidInput(f"{missing[0]} is required", field=missing[0])
    blank = Program(
        id=0,
        title="",
        description="",
        venue_id=0,
        weekdays=(),
        start_time=time(0),
        duration_minutes=1,
        starts_on=now.date(),
        ends_on=now.date(),
        capacity=1,
        fee_paise=0,
        poster_url=None,
        image_urls=(),
        created_at=now,
        updated_at=now,
    )
    return apply_program_fields(blank, fields, now)


def apply_program_fields(program: Program, fields: ProgramFields, now: datetime) -> Program:
    changes: dict[str, Any] = {}
    if fields.title is not msgspec.UNSET:
        changes["title"] = clean_text(fields.title, "title", MAX_NAME_LENGTH, required=True)
    if fields.description is not msgspec.UNSET:
        changes["description"] = clean_text(fields.description, "description", MAX_DESCRIPTION_LENGTH) or ""
    if fields.venue_id is not msgspec.UNSET:
        changes["venue_id"] = fields.venue_id
    if fields.weekdays is not msgspec.UNSET:
        changes["weekdays"] = check_weekdays(fields.weekdays)
    if fields.start_time is not msgspec.UNSET:
        changes["start_time"] = parse_start_time(fields.start_time)
    if fields.duration_minutes is not msgspec.UNSET:
        changes["duration_minutes"] = _bounded(fields.duration_minutes, "duration_minutes", 1, MAX_DURATION_MINUTES)
    if fields.starts_on is not msgspec.UNSET:
        changes["starts_on"] = fields.starts_on
    if fields.ends_on is not msgspec.UNSET:
        changes["ends_on"] = fields.ends_on
    if fields.capacity is not msgspec.UNSET:
        changes["capacity"] = _bounded(fields.capacity, "capacity", 1, MAX_CAPACITY)
    if fields.fee_paise is not msgspec.UNSET:
        changes["fee_paise"] = _bounded(fields.fee_paise, "fee_paise", 0, MAX_PRICE_PAISE)
    updated = msgspec.structs.replace(program, **changes, updated_at=now)
    if updated.ends_on < updated.starts_on:
        raise InvalidInput("ends_on must not be before starts_on", field="ends_on")
    if updated.ends_on - updated.starts_on > MAX_SPAN:
        raise InvalidInput(
            f"a program runs for at most {MAX_SPAN.days} days; create a new one after that", field="ends_on"
        )
    return updated


def check_weekdays(weekdays: list[int]) -> tuple[int, ...]:
    if not weekdays:
        raise InvalidInput("weekdays must list at least one day (0 = Monday ... 6 = Sunday)", field="weekdays")
    if any(not 0 <= day <= 6 for day in weekdays):
        raise InvalidInput("weekdays are integers from 0 (Monday) to 6 (Sunday)", field="weekdays")
    if len(set(weekdays)) != len(weekdays):
        raise InvalidInput("weekdays must not repeat a day", field="weekdays")
    return tuple(sorted(weekdays))


def parse_start_time(text: str) -> time:
    match = _HH_MM.match(text.strip())
    if match is None:
        raise InvalidInput("start_time must be a 24-hour time HH:MM, e.g. 07:30", field="start_time")
    return time(int(match.group(1)), int(match.group(2)))


def format_start_time(value: time) -> str:
    return value.strftime("%H:%M")


class EnrolmentStatus(str, enum.Enum):
    ENROLLED = "enrolled"
    CANCELLED = "cancelled"


class NewEnrolment(msgspec.Struct, frozen=True, gc=False):
    program_id: int
    user_id: int
    fee_paise: int
    created_at: datetime
    status: EnrolmentStatus = EnrolmentStatus.ENROLLED
    currency: str = CURRENCY


class Enrolment(msgspec.Struct, frozen=True, gc=False):
    """A user's seat in a program (the API's ProgramBooking); the fee is copied when
    enrolling, so a later fee change does not alter it."""

    id: int
    program_id: int
    user_id: int
    status: EnrolmentStatus
    fee_paise: int
    created_at: datetime
    updated_at: datetime
    currency: str = CURRENCY

    def cancel(self, now: datetime) -> Enrolment:
        """The seat given back; an enrolment is cancelled once."""
        if self.status is EnrolmentStatus.CANCELLED:
            raise Conflict("this enrolment is already cancelled")
        return msgspec.structs.replace(self, status=EnrolmentStatus.CANCELLED, updated_at=now)


def _bounded(value: int, field: str, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InvalidInput(f"{field} must be an integer from {low} to {high}", field=field)
    return value
