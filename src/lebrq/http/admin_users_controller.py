"""Admin routes over accounts: GET /api/admin/users and PATCH /api/admin/users/{id}."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, patch
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, JSONBody, QueryParameter

from lebrq.domain.model.pagination import PageRequest
from lebrq.domain.model.user_listing import MAX_QUERY_LENGTH, UserChange, UserFilter
from lebrq.domain.model.users import Role
from lebrq.http.contract import ResourceId, declare
from lebrq.http.pagination import Paginated, paginated, provide_page_request
from lebrq.http.security import AuthUser, admin_only
from lebrq.http.services import Services
from lebrq.http.users_schema import UserOut


class UserPatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """Only the fields sent change; `null` is not a value of either."""

    role: Role | msgspec.UnsetType = msgspec.UNSET
    disabled: bool | msgspec.UnsetType = msgspec.UNSET

    def change(self) -> UserChange:
        return UserChange(role=self.role, disabled=self.disabled)


class AdminUsersController(Controller):
    path = "/api/admin/users"
    tags = ["admin", "accounts"]
    guards = [admin_only]

    @get(
        "/",
        dependencies={"page_request": Provide(provide_page_request, sync_to_thread=False)},
        summary="Every account, newest first",
        description="`q` matches a part of the email, name or phone (case-insensitive); "
        "`role` and `disabled` filter exactly.",
        operation_id="listUsers",
    )
    async def list_users(
        self,
        services: NamedDependency[Services],
        page_request: NamedDependency[PageRequest],
        q: Annotated[
            str | None,
            QueryParameter(min_length=1, max_length=MAX_QUERY_LENGTH, description="part of the email, name or phone"),
        ] = None,
        role: FromQuery[Role | None] = None,
        disabled: FromQuery[bool | None] = None,
    ) -> Paginated[UserOut]:
        found = await services.user_admin.list(UserFilter(q=q, role=role, disabled=disabled), page_request)
        return paginated(found, UserOut.of)

    @patch(
        "/{user_id:int}",
        description="Changes only the fields sent: `role` (`user` or `admin`) and/or `disabled`. "
        "Demoting or disabling ends all of the user's sessions, so it takes effect on their next "
        "request. 409 when no enabled administrator would be left. Recorded in the audit log.",
        operation_id="updateUser",
        opt=declare(errors=(409,)),
    )
    async def update_user(
        self,
        request: Request[AuthUser, Any, Any],
        services: NamedDependency[Services],
        user_id: ResourceId,
        data: JSONBody[UserPatch],
    ) -> UserOut:
        return UserOut.of(await services.user_admin.change(user_id, data.change(), actor_id=request.user.id))
