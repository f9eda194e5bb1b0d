from __future__ import annotations

from datetime import datetime

import msgspec

from lebrq.domain.model.users import User


class UserOut(msgspec.Struct, frozen=True, gc=False):
    id: int
    email: str | None
    name: str
    phone: str | None
    role: str
    created_at: datetime
    email_verified: bool
    phone_verified: bool
    disabled: bool

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            email=user.email,
            name=user.name,
            phone=user.phone,
            role=user.role.value,
            created_at=user.created_at,
            email_verified=user.email_verified,
            phone_verified=user.phone_verified,
            disabled=user.disabled,
        )
