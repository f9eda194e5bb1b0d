"""The user list and the last-admin guard on memory, SQLite and MariaDB; the guard with
changes running at the same moment (no HTTP in between to space them out)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pytest

from lebrq.adapters.system.clock import FixedClock
from lebrq.domain.model.audit import AuditFilter
from lebrq.domain.model.errors import Conflict
from lebrq.domain.model.pagination import PageRequest
from lebrq.domain.model.user_listing import UserChange, UserFilter
from lebrq.domain.model.users import Role
from lebrq.domain.services.sessions import SessionService
from lebrq.domain.services.user_admin import UserAdministration
from lebrq.ports.unit_of_work import UnitOfWorkFactory
from tests.support.booking_factories import NOW, NewUserFactory

pytestmark = pytest.mark.anyio


_seconds = itertools.count()


async def add_users(contract_uow: UnitOfWorkFactory, count: int, **fields: object) -> list[int]:
    """`count` users, each created a second after the one before."""
    ids = []
    async with contract_uow() as uow:
        for _ in range(count):
            user = await uow.users.add(
                NewUserFactory.build(created_at=NOW + timedelta(seconds=next(_seconds)), **fields)
            )
            ids.append(user.id)
        await uow.commit()
    return ids


async def test_parallel_demotions_leave_exactly_one_enabled_admin(contract_uow: UnitOfWorkFactory) -> None:
    admins = await add_users(contract_uow, 6, role=Role.ADMIN)
    service = UserAdministration(contract_uow, FixedClock(NOW), SessionService(contract_uow, FixedClock(NOW)))
    changes = [UserChange(role=Role.USER) if n % 2 else UserChange(disabled=True) for n in range(len(admins))]
    results = await asyncio.gather(
        *(service.change(user_id, change, actor_id=None) for user_id, change in zip(admins, changes, strict=True)),
        return_exceptions=True,
    )
    assert sum(isinstance(result, Conflict) for result in results) == 1
    assert not [r for r in results if isinstance(r, BaseException) and not isinstance(r, Conflict)]
    async with contract_uow(read_only=True) as uow:
        assert len(await uow.users.lock_enabled_admins()) == 1
        # Each successful change was audited; the refused one was not.
        audited = await uow.audit_log.list(AuditFilter(action="user.update"), PageRequest())
        assert audited.total == len(admins) - 1


async def test_the_list_filters_and_walks_newest_first(contract_uow: UnitOfWorkFactory) -> None:
    plain = await add_users(contract_uow, 3)
    [boss] = await add_users(contract_uow, 1, role=Role.ADMIN, name="Meera 100%_Boss", email="meera@lebrq.test")
    service = UserAdministration(contract_uow, FixedClock(NOW), SessionService(contract_uow, FixedClock(NOW)))
    await service.change(plain[0], UserChange(disabled=True), actor_id=boss)

    async def ids(page: PageRequest | None = None, **filters: object) -> list[int]:
        found = await service.list(UserFilter(**filters), page or PageRequest())  # type: ignore[arg-type]
        return [user.id for user in found.items]

    assert await ids() == [boss, plain[2], plain[1], plain[0]]
    assert await ids(role=Role.ADMIN) == [boss]
    assert await ids(disabled=True) == [plain[0]]
    assert await ids(q="MEERA") == [boss]
    assert await ids(q="100%_b") == [boss]
    assert await ids(q="0%_") == [boss]
    assert await ids(q="%") == [boss]  # literal: only the name that contains "%"
    assert await ids(q="lebrq.test") == [boss]
    first = await service.list(UserFilter(), PageRequest.of(page_size=3))
    assert first.next is not None
    second = await service.list(UserFilter(), PageRequest.of(page_size=3, after=first.next))
    assert [u.id for u in second.items] == [plain[0]]
