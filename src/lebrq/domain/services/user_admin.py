"""Administration of accounts by admins: who is an admin right now (re-read from the
database on every admin request, so a demotion or a disabled account takes effect on
the next request), the user list, and role / disabled changes with the last-admin guard."""

from __future__ import annotations

from typing import Any

import msgspec

from lebrq.domain.model.audit import AuditAction
from lebrq.domain.model.errors import Conflict, NotFound
from lebrq.domain.model.pagination import Page, PageRequest
from lebrq.domain.model.user_listing import UserChange, UserFilter
from lebrq.domain.model.users import Role, User
from lebrq.domain.services.audit import record
from lebrq.domain.services.sessions import SessionService
from lebrq.ports.clock import Clock
from lebrq.ports.unit_of_work import UnitOfWorkFactory


class UserAdministration:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, sessions: SessionService) -> None:
        self._uow = uow
        self._clock = clock
        self._sessions = sessions

    async def is_active_admin(self, user_id: int) -> bool:
        async with self._uow(read_only=True) as uow:
            user = await uow.users.get(user_id)
        return user is not None and user.is_admin and user.may_sign_in

    async def list(self, filters: UserFilter, page: PageRequest) -> Page[User]:
        filters = filters.checked()
        async with self._uow(read_only=True) as uow:
            return await uow.users.list(filters, page)

    async def change(self, user_id: int, change: UserChange, *, actor_id: int | None) -> User:
        """Sets the role and/or the disabled flag. Refused (Conflict) when no enabled
        admin would be left: the enabled admins' rows are locked first, so two admins
        demoting each other at the same moment cannot both succeed. Admin routes re-read
        the caller's account on every request (`admin_only`), so a demotion or a disabled
        account is refused there at once. The change is audited in the same transaction."""
        now = self._clock.now()
        async with self._uow() as uow:
            enabled_admins = await uow.users.lock_enabled_admins()
            await uow.users.lock(user_id)
            current = await uow.users.get(user_id)
            if current is None:
                raise NotFound(f"user {user_id} not found", field="user_id")
            role = current.role if change.role is msgspec.UNSET else change.role
            disabled = current.disabled if change.disabled is msgspec.UNSET else change.disabled
            updated = msgspec.structs.replace(current, role=role, disabled=disabled)
            differences = _differences(current, updated)
            if not differences:
                return current
            if _enabled_admin(current) and not _enabled_admin(updated) and enabled_admins <= {user_id}:
                field = "role" if role is not Role.ADMIN else "disabled"
                raise Conflict("this would leave no enabled administrator", field=field)
            if role is not current.role:
                await uow.users.set_role(user_id, role)
            if disabled is not current.disabled:
                await uow.users.set_disabled(user_id, disabled)
            if (current.is_admin and not updated.is_admin) or (disabled and not current.disabled):
                # Their sessions end with this transaction: the next request signs them out.
                await self._sessions.revoke_all_of_user(user_id, uow=uow)
            await record(
                uow, at=now, actor_id=actor_id, action=AuditAction.USER_UPDATE, target_id=user_id, details=differences
            )
            await uow.commit()
        return updated


def _enabled_admin(user: User) -> bool:
    return user.is_admin and user.may_sign_in


def _differences(before: User, after: User) -> dict[str, Any]:
    changed: dict[str, Any] = {}
    if before.role is not after.role:
        changed["role"] = {"from": before.role.value, "to": after.role.value}
    if before.disabled is not after.disabled:
        changed["disabled"] = {"from": before.disabled, "to": after.disabled}
    return changed
