"""What an admin may ask of the user list and change on an account (values only; the
use cases are in `lebrq.domain.services.user_admin`)."""

from __future__ import annotations

import msgspec

from lebrq.domain.model.errors import InvalidInput
from lebrq.domain.model.users import Role, User

MAX_QUERY_LENGTH = 100


class UserFilter(msgspec.Struct, frozen=True, gc=False):
    # A part of the email, name or phone (case-insensitive).
    q: str | None = None
    role: Role | None = None
    disabled: bool | None = None

    def checked(self) -> UserFilter:
        if self.q is None:
            return self
        if not 0 < len(self.q) <= MAX_QUERY_LENGTH:
            raise InvalidInput(f"q must have 1 to {MAX_QUERY_LENGTH} characters", field="q")
        return self

    def matches(self, user: User) -> bool:
        if self.role is not None and user.role is not self.role:
            return False
        if self.disabled is not None and user.disabled is not self.disabled:
            return False
        if self.q is None:
            return True
        wanted = self.q.lower()
        return any(wanted in value.lower() for value in (user.email, user.name, user.phone) if value)


class UserChange(msgspec.Struct, frozen=True, gc=False, omit_defaults=True):
    """An admin's PATCH of an account: fields left UNSET stay as they are."""

    role: Role | msgspec.UnsetType = msgspec.UNSET
    disabled: bool | msgspec.UnsetType = msgspec.UNSET
