"""Storage of users and of one-time login codes."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from lebrq.domain.otp import NewOtpChallenge, OtpChallenge
from lebrq.domain.users import NewUser, Role, User


class UserRepository(Protocol):
    async def add(self, user: NewUser) -> User:
        """Insert; raises `Conflict` naming the field when email or phone is taken."""
        ...

    async def get(self, user_id: int) -> User | None: ...

    async def get_by_email(self, email: str) -> User | None: ...

    async def get_by_phone(self, phone: str) -> User | None: ...

    async def set_role(self, user_id: int, role: Role) -> None: ...


class OtpRepository(Protocol):
    async def add(self, challenge: NewOtpChallenge) -> OtpChallenge: ...

    async def latest(self, destination: str) -> OtpChallenge | None:
        """The newest challenge for the destination, consumed or not."""
        ...

    async def count_since(self, destination: str, since: datetime) -> int: ...

    async def record_failure(self, challenge_id: int) -> None: ...

    async def consume(self, challenge_id: int, at: datetime) -> None: ...
