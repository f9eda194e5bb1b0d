"""Use cases of regular programs: admin create/update, public reads, enrolment.

Clash rules, both checked under the venue's row lock (the lock venue bookings take):
a program may not be scheduled over an active booking or another program's session at
its venue, and (in `services/bookings.py`) a venue booking may not cover a session.
Capacity is checked under the program's row lock, so concurrent enrolments cannot
overbook it. With a `notifier`, enrolling and cancelling queue the member's message in
the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import msgspec

from lebrq.domain.model.access import owner_or_admin
from lebrq.domain.model.audit import AuditAction, fields_sent
from lebrq.domain.model.catalog import DEFAULT_TIMEZONE, Venue
from lebrq.domain.model.errors import Conflict, NotFound
from lebrq.domain.model.pagination import Page, PageRequest
from lebrq.domain.model.program_schedule import local_session
from lebrq.domain.model.programs import (
    Enrolment,
    NewEnrolment,
    Program,
    ProgramFields,
    apply_program_fields,
    new_program,
)
from lebrq.domain.model.quotas import Quotas
from lebrq.domain.services.audit import record
from lebrq.domain.services.notifications import Notifier
from lebrq.ports.clock import Clock
from lebrq.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory


class ProgramService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        quotas: Quotas | None = None,
        *,
        notifier: Notifier | None = None,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._quotas = quotas or Quotas()
        self._notifier = notifier

    async def create(self, fields: ProgramFields, *, actor_id: int | None = None) -> Program:
        now = self._clock.now()
        program = new_program(fields, now)
        async with self._uow() as uow:
            venue = await _locked_venue(uow, program.venue_id)
            await _refuse_clashes(uow, program, venue, now)
            stored = await uow.programs.add(program)
            await record(
                uow,
                at=now,
                actor_id=actor_id,
                action=AuditAction.PROGRAM_CREATE,
                target_id=stored.id,
                details=fields_sent(fields),
            )
            await uow.commit()
        return stored

    async def update(self, program_id: int, fields: ProgramFields, *, actor_id: int | None = None) -> Program:
        now = self._clock.now()
        async with self._uow() as uow:
            # Locking reads first: on MariaDB the snapshot of later plain reads (the
            # bookings checked for clashes) is then taken after both locks are held.
            current = await uow.programs.get_for_update(program_id)
            if current is None:
                raise NotFound("program not found")
            updated = apply_program_fields(current, fields, now)
            venue = await _locked_venue(uow, updated.venue_id)
            if fields.changes_schedule():
                await _refuse_clashes(uow, updated, venue, now)
            if updated.capacity < current.enrolled:
                raise Conflict(f"capacity cannot go below the {current.enrolled} seats already taken", field="capacity")
            await uow.programs.save(updated)
            await record(
                uow,
                at=now,
                actor_id=actor_id,
                action=AuditAction.PROGRAM_UPDATE,
                target_id=program_id,
                details=fields_sent(fields),
            )
            await uow.commit()
        return updated

    async def require(self, program_id: int) -> None:
        """NotFound unless the program exists (checked before an upload is read)."""
        await self.get(program_id)

    async def set_poster(self, program_id: int, poster_url: str, *, actor_id: int | None = None) -> Program:
        return await self._change_media(
            program_id,
            lambda p: msgspec.structs.replace(p, poster_url=poster_url),
            actor_id=actor_id,
            action=AuditAction.PROGRAM_POSTER,
            details={"poster_url": poster_url},
        )

    async def add_images(self, program_id: int, image_urls: list[str], *, actor_id: int | None = None) -> Program:
        return await self._change_media(
            program_id,
            lambda p: msgspec.structs.replace(p, image_urls=(*p.image_urls, *image_urls)),
            actor_id=actor_id,
            action=AuditAction.PROGRAM_IMAGES,
            details={"added_image_urls": image_urls},
        )

    async def _change_media(
        self,
        program_id: int,
        change: Callable[[Program], Program],
        *,
        actor_id: int | None,
        action: str,
        details: dict[str, object],
    ) -> Program:
        now = self._clock.now()
        async with self._uow() as uow:
            current = await uow.programs.get_for_update(program_id)
            if current is None:
                raise NotFound("program not found")
            updated = msgspec.structs.replace(change(current), updated_at=now)
            await uow.programs.save(updated)
            await record(uow, at=now, actor_id=actor_id, action=action, target_id=program_id, details=details)
            await uow.commit()
        return updated

    async def get(self, program_id: int) -> Program:
        async with self._uow(read_only=True) as uow:
            program = await uow.programs.get(program_id)
        if program is None:
            raise NotFound("program not found")
        return program

    async def list(self, page: PageRequest) -> Page[Program]:
        async with self._uow(read_only=True) as uow:
            return await uow.programs.list(page)

    async def enroll(self, program_id: int, user_id: int) -> Enrolment:
        now = self._clock.now()
        async with self._uow() as uow:
            # The user's row first (every use case that takes it does so before any other
            # lock): this user's enrolments are then counted one request at a time.
            await uow.users.lock(user_id)
            program = await uow.programs.get_for_update(program_id)
            if program is None:
                raise NotFound("program not found")
            venue = await uow.venues.get(program.venue_id)
            timezone = venue.timezone if venue is not None else DEFAULT_TIMEZONE
            last = program.schedule(timezone).last_session()
            if last is None or last.end <= now:
                raise Conflict("this program has ended")
            if await uow.enrolments.active_for(program_id, user_id) is not None:
                raise Conflict("you are already enrolled in this program")
            if program.seats_left <= 0:
                raise Conflict("this program is full")
            if self._quotas.open_enrolments_per_user:
                self._quotas.check_open_enrolments(await uow.enrolments.count_open(user_id, now.date()))
            enrolment = await uow.enrolments.add(
                NewEnrolment(program_id=program_id, user_id=user_id, fee_paise=program.fee_paise, created_at=now)
            )
            if self._notifier is not None:
                await self._notifier.enrolment_confirmed(uow, enrolment, program, now)
            await uow.commit()
        if self._notifier is not None:
            self._notifier.wake()
        return enrolment

    async def cancel_enrolment(self, program_id: int, enrolment_id: int, *, user_id: int, is_admin: bool) -> Enrolment:
        now = self._clock.now()
        async with self._uow() as uow:
            # The program lock orders this after any enrolment racing for the freed seat.
            program = await uow.programs.get_for_update(program_id)
            if program is None:
                raise NotFound("program not found")
            enrolment = await uow.enrolments.get(enrolment_id)
            if (
                enrolment is None
                or enrolment.program_id != program_id
                or not owner_or_admin(enrolment.user_id, user_id, is_admin)
            ):
                raise NotFound("enrolment not found")
            cancelled = enrolment.cancel(now)
            await uow.enrolments.save_state(cancelled)
            if is_admin:
                await record(
                    uow,
                    at=now,
                    actor_id=user_id,
                    action=AuditAction.ENROLMENT_CANCEL,
                    target_id=enrolment_id,
                    details={"program_id": program_id, "user_id": enrolment.user_id},
                )
            if self._notifier is not None:
                await self._notifier.enrolment_cancelled(uow, cancelled, program, now)
            await uow.commit()
        if self._notifier is not None:
            self._notifier.wake()
        return cancelled

    async def enrolments_of(self, user_id: int, page: PageRequest) -> Page[Enrolment]:
        async with self._uow(read_only=True) as uow:
            return await uow.enrolments.list_for_user(user_id, page)


async def _locked_venue(uow: UnitOfWork, venue_id: int) -> Venue:
    venue = await uow.venues.get_for_update(venue_id)
    if venue is None:
        raise NotFound("venue not found", field="venue_id")
    return venue


async def _refuse_clashes(uow: UnitOfWork, program: Program, venue: Venue, now: datetime) -> None:
    schedule = program.schedule(venue.timezone)
    zone = ZoneInfo(venue.timezone)
    for busy in await uow.bookings.busy(venue.id, schedule.span(), now):
        session = schedule.first_clash(busy)
        if session is not None:
            raise Conflict(
                f"a session on {local_session(session, zone)} overlaps an existing booking of the venue",
                field="start_time",
            )
    for other in await uow.programs.at_venue(
        venue.id, program.starts_on - timedelta(days=1), program.ends_on + timedelta(days=1)
    ):
        if other.id == program.id:
            continue
        session = schedule.first_clash_with(other.schedule(venue.timezone))
        if session is not None:
            raise Conflict(
                f"a session on {local_session(session, zone)} overlaps the regular program {other.title!r}",
                field="start_time",
                extra={"program_id": other.id},
            )
