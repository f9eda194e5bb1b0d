"""Storage of regular programs and enrolments."""

from __future__ import annotations

import builtins
from datetime import date
from typing import Protocol

from lebrq.domain.model.pagination import Page, PageRequest
from lebrq.domain.model.programs import Enrolment, NewEnrolment, Program


class ProgramRepository(Protocol):
    async def add(self, program: Program) -> Program:
        """Insert (the given id is ignored); returns the stored program with its id."""
        ...

    async def get(self, program_id: int) -> Program | None:
        """The program with `enrolled` = its active enrolments."""
        ...

    async def get_for_update(self, program_id: int) -> Program | None:
        """Like `get`, and locks the program row until the unit of work ends: enrolments
        and cancellations of one program run one at a time, so capacity holds."""
        ...

    async def save(self, program: Program) -> None:
        """Write every editable field (and poster/images) of an existing program."""
        ...

    async def list(self, page: PageRequest) -> Page[Program]:
        """Newest first, ties by higher id."""
        ...

    async def at_venue(self, venue_id: int, first_day: date, last_day: date) -> builtins.list[Program]:
        """The venue's programs whose date range touches `first_day`..`last_day`."""
        ...


class EnrolmentRepository(Protocol):
    async def add(self, enrolment: NewEnrolment) -> Enrolment: ...

    async def get(self, enrolment_id: int) -> Enrolment | None: ...

    async def active_for(self, program_id: int, user_id: int) -> Enrolment | None: ...

    async def count_open(self, user_id: int, today: date) -> int:
        """The user's active enrolments in programs ending `today` or later."""
        ...

    async def save_state(self, enrolment: Enrolment) -> None:
        """Write status and updated_at."""
        ...

    async def list_for_user(self, user_id: int, page: PageRequest) -> Page[Enrolment]:
        """Newest first, ties by higher id."""
        ...
