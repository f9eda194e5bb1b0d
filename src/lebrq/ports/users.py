"""Storage of users and of one-time login codes."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from lebrq.domain.model.otp import NewOtpChallenge, OtpChallenge
from lebrq.domain.model.pagination import Page, PageRequest
from lebrq.domain.model.user_listing import UserFilter
from lebrq.domain.model.users import NewUser, Role, User


class UserRepository(Protocol):
    async def add(self, user: NewUser) -> User:
        """Insert; raises `Conflict` naming the field when email or phone is taken."""
        ...

    async def get(self, user_id: int) -> User | None: ...

    async def get_by_email(self, email: str) -> User | None: ...

    async def get_by_phone(self, phone: str) -> User | None: ...

    async def set_role(self, user_id: int, role: Role) -> None: ...

    async def set_disabled(self, user_id: int, disabled: bool) -> None: ...

    async def set_password(self, user_id: int, password_hash: str | None, *, trusted: bool) -> None:
        """None clears the password (the account then signs in by one-time code only).
        `trusted`: set by someone who had proven an identifier of the account."""
        ...

    async def mark_email_verified(self, user_id: int) -> None: ...

    async def set_verified_phone(self, user_id: int, phone: str) -> None:
        """Stores a proven phone; raises `Conflict` (field phone) when another account has it."""
        ...

    async def erase(self, user_id: int, at: datetime) -> None:
        """Account deletion: name, email and phone anonymised, password cleared, disabled."""
        ...

    async def list(self, filters: UserFilter, page: PageRequest) -> Page[User]:
        """Newest first (created_at, then higher id). `q` is a case-insensitive part of the
        email, name or phone, taken literally (no wildcards)."""
        ...

    async def lock_enabled_admins(self) -> frozenset[int]:
        """Locks the rows of the enabled admins (admin, not disabled, not deleted) until the
        unit of work ends, and returns their ids: changes that could leave no admin run one
        at a time."""
        ...

    async def lock(self, user_id: int) -> None:
        """Lock the user's row until the unit of work ends: per-user quotas are counted
        one request at a time. Take it before any other row lock (venue, program)."""
        ...


class OtpRepository(Protocol):
    async def add(self, challenge: NewOtpChallenge) -> OtpChallenge: ...

    async def latest(self, destination: str) -> OtpChallenge | None:
        """The newest challenge for the destination, consumed or not."""
        ...

    async def count_since(self, destination: str, since: datetime) -> int: ...

    async def failures_since(self, destination: str, since: datetime, per_code_cap: int) -> int:
        """Attempts on the destination's codes created since `since`, at most
        `per_code_cap` counted per code."""
        ...

    async def count_attempt(self, challenge_id: int) -> int:
        """Atomically adds one attempt and returns the new count; the row stays locked
        until the unit of work ends, so parallel attempts are counted one after another."""
        ...

    async def consume(self, challenge_id: int, at: datetime) -> bool:
        """Marks the code used; False if it already was (a parallel right guess won)."""
        ...
