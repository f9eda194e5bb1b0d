"""Administration of accounts by admins: who is an admin right now (re-read from the
database on every admin request, so a demotion or a disabled account takes effect on
the next request), the user list, and role / disabled changes with the last-admin guard."""

from __future__ import annotations

from lebrq.ports.unit_of_work import UnitOfWorkFactory


class UserAdministration:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def is_active_admin(self, user_id: int) -> bool:
        async with self._uow(read_only=True) as uow:
            user = await uow.users.get(user_id)
        return user is not None and user.is_admin
