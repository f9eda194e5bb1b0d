"""SQL repositories for regular programs and enrolments."""

from __future__ import annotations

import builtins
from datetime import date

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from lebrq.adapters.sql.paging import fetch_page
from lebrq.adapters.sql.rows import AnyRow, StructColumns, inserted_id
from lebrq.adapters.sql.tables.programs import program_enrolments, programs
from lebrq.domain.model.pagination import Page, PageRequest
from lebrq.domain.model.programs import (
    Enrolment,
    EnrolmentStatus,
    NewEnrolment,
    Program,
    format_start_time,
    parse_start_time,
)


def _weekdays(stored: str) -> tuple[int, ...]:
    return tuple(int(day) for day in stored.split(","))


# Three columns hold encoded values; the seats taken are counted from the enrolments
# (see _ENROLLED).
_PROGRAM = StructColumns.same_named(
    Program,
    programs,
    convert={
        "weekdays": _weekdays,
        "start_time": parse_start_time,
        "image_urls": msgspec.json.Decoder(tuple[str, ...]).decode,
    },
    computed=("enrolled",),
)
_ENROLMENT = StructColumns.same_named(
    Enrolment,
    program_enrolments,
    convert={"status": EnrolmentStatus},
)
_ACTIVE = EnrolmentStatus.ENROLLED.value


def _enrolled_count(program_id: sa.ColumnElement[int] | int) -> sa.Select[int]:
    return sa.select(sa.func.count()).where(
        program_enrolments.c.program_id == program_id, program_enrolments.c.status == _ACTIVE
    )


_ENROLLED = _enrolled_count(programs.c.id).scalar_subquery().label("enrolled")
# A program with its enrolled count, which follows the program's columns.
_PROGRAM_ENROLLED = (*_PROGRAM.select, _ENROLLED)
_ENROLLED_AT = len(_PROGRAM.select)


def _program(row: AnyRow) -> Program:
    return _PROGRAM.read(row, enrolled=row[_ENROLLED_AT])


def _program_values(program: Program) -> dict[str, object]:
    return {
        "title": program.title,
        "description": program.description,
        "venue_id": program.venue_id,
        "weekdays": ",".join(str(day) for day in program.weekdays),
        "start_time": format_start_time(program.start_time),
        "duration_minutes": program.duration_minutes,
        "starts_on": program.starts_on,
        "ends_on": program.ends_on,
        "capacity": program.capacity,
        "fee_paise": program.fee_paise,
        "currency": program.currency,
        "poster_url": program.poster_url,
        "image_urls": msgspec.json.encode(list(program.image_urls)).decode(),
        "updated_at": program.updated_at,
    }


class SqlProgramRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, program: Program) -> Program:
        values = {**_program_values(program), "created_at": program.created_at}
        result = await self._connection.execute(sa.insert(programs).values(**values))
        return msgspec.structs.replace(program, id=inserted_id(result), enrolled=0)

    async def get(self, program_id: int) -> Program | None:
        query = sa.select(*_PROGRAM_ENROLLED).where(programs.c.id == program_id)
        row = (await self._connection.execute(query)).first()
        return None if row is None else _program(row)

    async def get_for_update(self, program_id: int) -> Program | None:
        # The lock first, on the program row alone; the seats are counted after it.
        query = sa.select(*_PROGRAM.select).where(programs.c.id == program_id).with_for_update()
        row = (await self._connection.execute(query)).first()
        if row is None:
            return None
        enrolled = int((await self._connection.execute(_enrolled_count(program_id))).scalar_one())
        return _PROGRAM.read(row, enrolled=enrolled)

    async def save(self, program: Program) -> None:
        await self._connection.execute(
            sa.update(programs).where(programs.c.id == program.id).values(**_program_values(program))
        )

    async def list(self, page: PageRequest) -> Page[Program]:
        found = await fetch_page(
            self._connection, _PROGRAM_ENROLLED, programs, (), (programs.c.created_at, programs.c.id), page
        )
        return Page(items=[_program(row) for row in found.rows], total=found.total, request=page, next=found.next)

    async def at_venue(self, venue_id: int, first_day: date, last_day: date) -> builtins.list[Program]:
        query = sa.select(*_PROGRAM_ENROLLED).where(
            programs.c.venue_id == venue_id, programs.c.ends_on >= first_day, programs.c.starts_on <= last_day
        )
        return [_program(row) for row in await self._connection.execute(query)]


class SqlEnrolmentRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, enrolment: NewEnrolment) -> Enrolment:
        values = {
            "program_id": enrolment.program_id,
            "user_id": enrolment.user_id,
            "status": enrolment.status.value,
            "fee_paise": enrolment.fee_paise,
            "currency": enrolment.currency,
            "created_at": enrolment.created_at,
            "updated_at": enrolment.created_at,
        }
        result = await self._connection.execute(sa.insert(program_enrolments).values(**values))
        return Enrolment(
            id=inserted_id(result),
            program_id=enrolment.program_id,
            user_id=enrolment.user_id,
            status=enrolment.status,
            fee_paise=enrolment.fee_paise,
            created_at=enrolment.created_at,
            updated_at=enrolment.created_at,
            currency=enrolment.currency,
        )

    async def get(self, enrolment_id: int) -> Enrolment | None:
        return await self._one(program_enrolments.c.id == enrolment_id)

    async def count_open(self, user_id: int, today: date) -> int:
        query = (
            sa.select(sa.func.count())
            .select_from(program_enrolments.join(programs, programs.c.id == program_enrolments.c.program_id))
            .where(
                program_enrolments.c.user_id == user_id,
                program_enrolments.c.status == _ACTIVE,
                programs.c.ends_on >= today,
            )
        )
        return int((await self._connection.execute(query)).scalar_one())

    async def active_for(self, program_id: int, user_id: int) -> Enrolment | None:
        return await self._one(
            program_enrolments.c.program_id == program_id,
            program_enrolments.c.status == _ACTIVE,
            program_enrolments.c.user_id == user_id,
        )

    async def save_state(self, enrolment: Enrolment) -> None:
        await self._connection.execute(
            sa.update(program_enrolments)
            .where(program_enrolments.c.id == enrolment.id)
            .values(status=enrolment.status.value, updated_at=enrolment.updated_at)
        )

    async def list_for_user(self, user_id: int, page: PageRequest) -> Page[Enrolment]:
        found = await fetch_page(
            self._connection,
            _ENROLMENT.select,
            program_enrolments,
            (program_enrolments.c.user_id == user_id,),
            (program_enrolments.c.created_at, program_enrolments.c.id),
            page,
        )
        return Page(
            items=[_ENROLMENT.read(row) for row in found.rows], total=found.total, request=page, next=found.next
        )

    async def _one(self, *conditions: sa.ColumnElement[bool]) -> Enrolment | None:
        row = (await self._connection.execute(sa.select(*_ENROLMENT.select).where(*conditions))).first()
        return None if row is None else _ENROLMENT.read(row)
