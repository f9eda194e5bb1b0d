"""Wire shapes of regular programs (API.md "Regular programs")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from lebrq.domain.model.catalog import MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH
from lebrq.domain.model.programs import (
    MAX_CAPACITY,
    MAX_DURATION_MINUTES,
    Enrolment,
    EnrolmentStatus,
    Program,
    ProgramFields,
    format_start_time,
)
from lebrq.http.catalog_schema import Currency, Paise, editable_fields
from lebrq.http.contract import BodyId

Title = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME_LENGTH, pattern=r"\S")]
Description = Annotated[str, msgspec.Meta(max_length=MAX_DESCRIPTION_LENGTH)]
Weekdays = Annotated[
    list[Annotated[int, msgspec.Meta(ge=0, le=6)]],
    msgspec.Meta(min_length=1, max_length=7, description="0 = Monday ... 6 = Sunday"),
]
StartTime = Annotated[str, msgspec.Meta(pattern=r"^\d{2}:\d{2}$", description="local time at the venue, HH:MM (24 h)")]
Minutes = Annotated[int, msgspec.Meta(ge=1, le=MAX_DURATION_MINUTES)]
Count = Annotated[int, msgspec.Meta(ge=1, le=MAX_CAPACITY)]


class ProgramOut(msgspec.Struct, frozen=True, gc=False):
    id: int
    title: str
    description: str
    venue_id: int
    weekdays: list[int]
    start_time: str
    duration_minutes: int
    starts_on: date
    ends_on: date
    capacity: int
    seats_left: int
    fee_paise: int
    currency: str
    poster_url: str | None
    image_urls: list[str]

    @classmethod
    def of(cls, program: Program) -> ProgramOut:
        return cls(
            id=program.id,
            title=program.title,
            description=program.description,
            venue_id=program.venue_id,
            weekdays=list(program.weekdays),
            start_time=format_start_time(program.start_time),
            duration_minutes=program.duration_minutes,
            starts_on=program.starts_on,
            ends_on=program.ends_on,
            capacity=program.capacity,
            seats_left=program.seats_left,
            fee_paise=program.fee_paise,
            currency=program.currency,
            poster_url=program.poster_url,
            image_urls=list(program.image_urls),
        )


class ProgramBookingOut(msgspec.Struct, frozen=True, gc=False):
    id: int
    program_id: int
    user_id: int
    status: EnrolmentStatus
    fee_paise: int
    currency: str
    created_at: datetime

    @classmethod
    def of(cls, enrolment: Enrolment) -> ProgramBookingOut:
        return cls(
            id=enrolment.id,
            program_id=enrolment.program_id,
            user_id=enrolment.user_id,
            status=enrolment.status,
            fee_paise=enrolment.fee_paise,
            currency=enrolment.currency,
            created_at=enrolment.created_at,
        )


class ProgramCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    title: Title
    venue_id: BodyId
    weekdays: Weekdays
    start_time: StartTime
    duration_minutes: Minutes
    starts_on: date
    ends_on: date
    capacity: Count
    fee_paise: Paise
    description: Description = ""
    currency: Currency = "INR"

    def fields(self) -> ProgramFields:
        return ProgramFields(**editable_fields(self))


class ProgramPatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Only the fields sent change."""

    title: Title | msgspec.UnsetType = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    venue_id: BodyId | msgspec.UnsetType = msgspec.UNSET
    weekdays: Weekdays | msgspec.UnsetType = msgspec.UNSET
    start_time: StartTime | msgspec.UnsetType = msgspec.UNSET
    duration_minutes: Minutes | msgspec.UnsetType = msgspec.UNSET
    starts_on: date | msgspec.UnsetType = msgspec.UNSET
    ends_on: date | msgspec.UnsetType = msgspec.UNSET
    capacity: Count | msgspec.UnsetType = msgspec.UNSET
    fee_paise: Paise | msgspec.UnsetType = msgspec.UNSET
    currency: Currency | msgspec.UnsetType = msgspec.UNSET

    def fields(self) -> ProgramFields:
        return ProgramFields(**editable_fields(self))
