"""SQL repositories for users and one-time codes (SQLAlchemy Core, explicit columns)."""

from __future__ import annotations

from datetime import datetime

import msgspec
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from lebrq.adapters.sql.paging import fetch_page
from lebrq.adapters.sql.rows import StructColumns, inserted_id
from lebrq.adapters.sql.tables.users import otp_codes, users
from lebrq.domain.model.errors import Conflict
from lebrq.domain.model.otp import NewOtpChallenge, OtpChallenge
from lebrq.domain.model.pagination import Page, PageRequest
from lebrq.domain.model.user_listing import UserFilter
from lebrq.domain.model.users import NewUser, Role, User, erased_fields

_USER = StructColumns.same_named(User, users, convert={"role": Role})
_CHALLENGE = StructColumns.same_named(OtpChallenge, otp_codes)


def _escape_like(text: str) -> str:
    """`text` matched literally inside a LIKE pattern (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SqlUserRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, user: NewUser) -> User:
        values = msgspec.structs.asdict(user)
        try:
            # A savepoint keeps the surrounding transaction usable after a duplicate.
            async with self._connection.begin_nested():
                result = await self._connection.execute(sa.insert(users).values({**values, "role": user.role.value}))
        except IntegrityError as exc:
            field = "phone" if "phone" in str(exc.orig) else "email"
            raise Conflict(f"{field} is already registered", field=field) from None
        return User(id=inserted_id(result), **values)

    async def get(self, user_id: int) -> User | None:
        return await self._one(users.c.id == user_id)

    async def get_by_email(self, email: str) -> User | None:
        return await self._one(users.c.email == email)

    async def get_by_phone(self, phone: str) -> User | None:
        return await self._one(users.c.phone == phone)

    async def list(self, filters: UserFilter, page: PageRequest) -> Page[User]:
        conditions: list[sa.ColumnElement[bool]] = []
        if filters.q is not None:
            pattern = "%" + _escape_like(filters.q.lower()) + "%"
            conditions.append(
                sa.or_(
                    *(
                        sa.func.lower(column).like(pattern, escape="\\")
                        for column in (users.c.email, users.c.name, users.c.phone)
                    )
                )
            )
        if filters.role is not None:
            conditions.append(users.c.role == filters.role.value)
        if filters.disabled is not None:
            conditions.append(users.c.disabled == filters.disabled)
        found = await fetch_page(
            self._connection, _USER.select, users, conditions, (users.c.created_at, users.c.id), page
        )
        return Page(items=[_USER.read(row) for row in found.rows], total=found.total, request=page, next=found.next)

    async def lock_enabled_admins(self) -> frozenset[int]:
        query = (
            sa.select(users.c.id)
            .where(users.c.role == Role.ADMIN.value, users.c.disabled == sa.false(), users.c.deleted_at.is_(None))
            .order_by(users.c.id)
            .with_for_update()
        )
        return frozenset(int(user_id) for user_id in (await self._connection.execute(query)).scalars())

    async def lock(self, user_id: int) -> None:
        await self._connection.execute(sa.select(users.c.id).where(users.c.id == user_id).with_for_update())

    async def set_role(self, user_id: int, role: Role) -> None:
        await self._update(user_id, role=role.value)

    async def set_disabled(self, user_id: int, disabled: bool) -> None:
        await self._update(user_id, disabled=disabled)

    async def set_password(self, user_id: int, password_hash: str | None, *, trusted: bool) -> None:
        await self._update(user_id, password_hash=password_hash, password_trusted=trusted and password_hash is not None)

    async def mark_email_verified(self, user_id: int) -> None:
        await self._update(user_id, email_verified=True)

    async def set_verified_phone(self, user_id: int, phone: str) -> None:
        try:
            async with self._connection.begin_nested():
                await self._update(user_id, phone=phone, phone_verified=True, pending_phone=None)
        except IntegrityError:
            raise Conflict("phone is already registered", field="phone") from None

    async def erase(self, user_id: int, at: datetime) -> None:
        await self._update(user_id, **erased_fields(at))

    async def _update(self, user_id: int, **values: object) -> None:
        await self._connection.execute(sa.update(users).where(users.c.id == user_id).values(**values))

    async def _one(self, condition: sa.ColumnElement[bool]) -> User | None:
        row = (await self._connection.execute(sa.select(*_USER.select).where(condition))).first()
        return None if row is None else _USER.read(row)


class SqlOtpRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, challenge: NewOtpChallenge) -> OtpChallenge:
        values = msgspec.structs.asdict(challenge)
        result = await self._connection.execute(sa.insert(otp_codes).values(**values, failed_attempts=0))
        return OtpChallenge(id=inserted_id(result), **values)

    async def latest(self, destination: str) -> OtpChallenge | None:
        query = (
            sa.select(*_CHALLENGE.select)
            .where(otp_codes.c.destination == destination)
            .order_by(otp_codes.c.created_at.desc(), otp_codes.c.id.desc())
            .limit(1)
        )
        row = (await self._connection.execute(query)).first()
        return None if row is None else _CHALLENGE.read(row)

    async def count_since(self, destination: str, since: datetime) -> int:
        query = sa.select(sa.func.count()).where(
            otp_codes.c.destination == destination, otp_codes.c.created_at >= since
        )
        return int((await self._connection.execute(query)).scalar_one())

    async def failures_since(self, destination: str, since: datetime, per_code_cap: int) -> int:
        capped = sa.case((otp_codes.c.failed_attempts > per_code_cap, per_code_cap), else_=otp_codes.c.failed_attempts)
        query = sa.select(sa.func.coalesce(sa.func.sum(capped), 0)).where(
            otp_codes.c.destination == destination, otp_codes.c.created_at >= since
        )
        return int((await self._connection.execute(query)).scalar_one())

    async def count_attempt(self, challenge_id: int) -> int:
        # The UPDATE takes the row lock (InnoDB) or the write lock (SQLite, BEGIN
        # IMMEDIATE); the read after it sees this transaction's own count.
        await self._connection.execute(
            sa.update(otp_codes)
            .where(otp_codes.c.id == challenge_id)
            .values(failed_attempts=otp_codes.c.failed_attempts + 1)
        )
        query = sa.select(otp_codes.c.failed_attempts).where(otp_codes.c.id == challenge_id)
        return int((await self._connection.execute(query)).scalar_one())

    async def consume(self, challenge_id: int, at: datetime) -> bool:
        result = await self._connection.execute(
            sa.update(otp_codes)
            .where(otp_codes.c.id == challenge_id, otp_codes.c.consumed_at.is_(None))
            .values(consumed_at=at)
        )
        return result.rowcount == 1
