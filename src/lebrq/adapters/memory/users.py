from __future__ import annotations

from datetime import datetime

import msgspec

from lebrq.adapters.memory.store import MemoryStore
from lebrq.domain.model.errors import Conflict
from lebrq.domain.model.otp import NewOtpChallenge, OtpChallenge
from lebrq.domain.model.pagination import Page, PageRequest, newest_first, page_of_sorted
from lebrq.domain.model.user_listing import UserFilter
from lebrq.domain.model.users import NewUser, Role, User, erased_fields


class MemoryUserRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._users = store.table("users")

    async def add(self, user: NewUser) -> User:
        for existing in self._users.values():
            if user.email is not None and existing.email == user.email:
                raise Conflict("email is already registered", field="email")
            if user.phone is not None and existing.phone == user.phone:
                raise Conflict("phone is already registered", field="phone")
        stored = User(id=self._users.next_id(), **msgspec.structs.asdict(user))
        self._users[stored.id] = stored
        return stored

    async def get(self, user_id: int) -> User | None:
        return self._users.get(user_id)

    async def get_by_email(self, email: str) -> User | None:
        return next((u for u in self._users.values() if u.email == email), None)

    async def get_by_phone(self, phone: str) -> User | None:
        return next((u for u in self._users.values() if u.phone == phone), None)

    async def list(self, filters: UserFilter, page: PageRequest) -> Page[User]:
        return page_of_sorted((u for u in self._users.values() if filters.matches(u)), page, newest_first)

    async def lock_enabled_admins(self) -> frozenset[int]:
        return frozenset(u.id for u in self._users.values() if u.is_admin and u.may_sign_in)

    async def lock(self, user_id: int) -> None:
        """Nothing to do: a memory unit of work already runs alone (the store's write lock)."""

    async def set_role(self, user_id: int, role: Role) -> None:
        self._update(user_id, role=role)

    async def set_disabled(self, user_id: int, disabled: bool) -> None:
        self._update(user_id, disabled=disabled)

    async def set_password(self, user_id: int, password_hash: str | None, *, trusted: bool) -> None:
        self._update(user_id, password_hash=password_hash, password_trusted=trusted and password_hash is not None)

    async def mark_email_verified(self, user_id: int) -> None:
        self._update(user_id, email_verified=True)

    async def set_verified_phone(self, user_id: int, phone: str) -> None:
        if any(u.phone == phone and u.id != user_id for u in self._users.values()):
            raise Conflict("phone is already registered", field="phone")
        self._update(user_id, phone=phone, phone_verified=True, pending_phone=None)

    async def erase(self, user_id: int, at: datetime) -> None:
        self._update(user_id, **erased_fields(at))

    def _update(self, user_id: int, **values: object) -> None:
        if user_id in self._users:
            self._users[user_id] = msgspec.structs.replace(self._users[user_id], **values)


class MemoryOtpRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._codes = store.table("otp_codes")

    async def add(self, challenge: NewOtpChallenge) -> OtpChallenge:
        stored = OtpChallenge(id=self._codes.next_id(), **msgspec.structs.asdict(challenge))
        self._codes[stored.id] = stored
        return stored

    async def latest(self, destination: str) -> OtpChallenge | None:
        mine = [c for c in self._codes.values() if c.destination == destination]
        return max(mine, key=lambda c: (c.created_at, c.id), default=None)

    async def count_since(self, destination: str, since: datetime) -> int:
        return sum(1 for c in self._codes.values() if c.destination == destination and c.created_at >= since)

    async def failures_since(self, destination: str, since: datetime, per_code_cap: int) -> int:
        return sum(
            min(c.failed_attempts, per_code_cap)
            for c in self._codes.values()
            if c.destination == destination and c.created_at >= since
        )

    async def count_attempt(self, challenge_id: int) -> int:
        counted: OtpChallenge = self._codes[challenge_id]
        counted = msgspec.structs.replace(counted, failed_attempts=counted.failed_attempts + 1)
        self._codes[challenge_id] = counted
        return counted.failed_attempts

    async def consume(self, challenge_id: int, at: datetime) -> bool:
        if self._codes[challenge_id].consumed_at is not None:
            return False
        self._codes[challenge_id] = msgspec.structs.replace(self._codes[challenge_id], consumed_at=at)
        return True
