from __future__ import annotations

import builtins
from datetime import date

import msgspec

from lebrq.adapters.memory.store import MemoryStore
from lebrq.domain.model.pagination import Page, PageRequest, newest_first, page_of_sorted
from lebrq.domain.model.programs import Enrolment, EnrolmentStatus, NewEnrolment, Program


class MemoryProgramRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._programs = store.table("programs")
        self._enrolments = store.table("enrolments")

    async def add(self, program: Program) -> Program:
        stored = msgspec.structs.replace(program, id=self._programs.next_id(), enrolled=0)
        self._programs[stored.id] = stored
        return stored

    async def get(self, program_id: int) -> Program | None:
        program = self._programs.get(program_id)
        return None if program is None else self._counted(program)

    async def get_for_update(self, program_id: int) -> Program | None:
        # Writers already hold the store's write lock.
        return await self.get(program_id)

    async def save(self, program: Program) -> None:
        self._programs[program.id] = msgspec.structs.replace(program, enrolled=0)

    async def list(self, page: PageRequest) -> Page[Program]:
        result = page_of_sorted(self._programs.values(), page, newest_first)
        return msgspec.structs.replace(result, items=[self._counted(p) for p in result.items])

    async def at_venue(self, venue_id: int, first_day: date, last_day: date) -> builtins.list[Program]:
        return [
            self._counted(p)
            for p in self._programs.values()
            if p.venue_id == venue_id and p.starts_on <= last_day and first_day <= p.ends_on
        ]

    def _counted(self, program: Program) -> Program:
        enrolled = sum(
            1 for e in self._enrolments.values() if e.program_id == program.id and e.status is EnrolmentStatus.ENROLLED
        )
        return msgspec.structs.replace(program, enrolled=enrolled)


class MemoryEnrolmentRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._enrolments = store.table("enrolments")
        self._programs = store.table("programs")

    async def count_open(self, user_id: int, today: date) -> int:
        return sum(
            1
            for e in self._enrolments.values()
            if e.user_id == user_id
            and e.status is EnrolmentStatus.ENROLLED
            and self._programs[e.program_id].ends_on >= today
        )

    async def add(self, enrolment: NewEnrolment) -> Enrolment:
        stored = Enrolment(
            id=self._enrolments.next_id(),
            program_id=enrolment.program_id,
            user_id=enrolment.user_id,
            status=enrolment.status,
            fee_paise=enrolment.fee_paise,
            created_at=enrolment.created_at,
            updated_at=enrolment.created_at,
            currency=enrolment.currency,
        )
        self._enrolments[stored.id] = stored
        return stored

    async def get(self, enrolment_id: int) -> Enrolment | None:
        return self._enrolments.get(enrolment_id)

    async def active_for(self, program_id: int, user_id: int) -> Enrolment | None:
        return next(
            (
                e
                for e in self._enrolments.values()
                if e.program_id == program_id and e.user_id == user_id and e.status is EnrolmentStatus.ENROLLED
            ),
            None,
        )

    async def save_state(self, enrolment: Enrolment) -> None:
        current = self._enrolments[enrolment.id]
        self._enrolments[enrolment.id] = msgspec.structs.replace(
            current, status=enrolment.status, updated_at=enrolment.updated_at
        )

    async def list_for_user(self, user_id: int, page: PageRequest) -> Page[Enrolment]:
        return page_of_sorted((e for e in self._enrolments.values() if e.user_id == user_id), page, newest_first)
