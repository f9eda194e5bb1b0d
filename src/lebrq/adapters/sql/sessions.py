"""SQL repositories for sign-in sessions and for the shared throttle counters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from lebrq.adapters.sql.rows import Part, StructColumns, inserted_id
from lebrq.adapters.sql.tables.sessions import refresh_tokens, sessions, throttles
from lebrq.adapters.sql.tables.users import users
from lebrq.domain.model.sessions import NewSession, RefreshToken, Session, SessionState, SignInMethod
from lebrq.domain.model.throttling import ThrottleKey, ThrottleState
from lebrq.domain.model.users import Role

_SESSION = StructColumns.same_named(Session, sessions, convert={"method": SignInMethod})
_TOKEN = StructColumns.same_named(RefreshToken, refresh_tokens)
_THROTTLE_KEY = StructColumns.same_named(ThrottleKey, throttles)
# A throttle's key is two columns of its row, scope and subject (never NULL).
_THROTTLE = StructColumns.same_named(ThrottleState, throttles, parts={"key": Part(_THROTTLE_KEY, present="scope")})
# Whether a session's account may still use it: read after the session's columns.
_ACCOUNT = (users.c.role, users.c.disabled, users.c.deleted_at)
_ACCOUNT_AT = len(_SESSION.select)


class SqlSessionRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def add(self, session: NewSession) -> Session:
        values = msgspec.structs.asdict(session)
        result = await self._connection.execute(sa.insert(sessions).values({**values, "method": session.method.value}))
        return Session(id=inserted_id(result), **values)

    async def get(self, session_id: int) -> Session | None:
        row = (await self._connection.execute(sa.select(*_SESSION.select).where(sessions.c.id == session_id))).first()
        return None if row is None else _SESSION.read(row)

    async def extend(self, session_id: int, expires_at: datetime) -> None:
        await self._connection.execute(
            sa.update(sessions).where(sessions.c.id == session_id).values(expires_at=expires_at)
        )

    async def revoke(self, session_id: int, at: datetime) -> None:
        await self._connection.execute(
            sa.update(sessions)
            .where(sessions.c.id == session_id, sessions.c.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    async def revoke_all_of_user(self, user_id: int, at: datetime, *, keep_session_id: int | None = None) -> None:
        condition = sa.and_(sessions.c.user_id == user_id, sessions.c.revoked_at.is_(None))
        if keep_session_id is not None:
            condition = sa.and_(condition, sessions.c.id != keep_session_id)
        await self._connection.execute(sa.update(sessions).where(condition).values(revoked_at=at))

    async def add_refresh_token(
        self, session_id: int, token_hash: str, issued_at: datetime, expires_at: datetime
    ) -> None:
        await self._connection.execute(
            sa.insert(refresh_tokens).values(
                session_id=session_id, token_hash=token_hash, issued_at=issued_at, expires_at=expires_at
            )
        )

    async def refresh_token(self, token_hash: str) -> RefreshToken | None:
        query = sa.select(*_TOKEN.select).where(refresh_tokens.c.token_hash == token_hash)
        row = (await self._connection.execute(query)).first()
        return None if row is None else _TOKEN.read(row)

    async def use_refresh_token(self, token_id: int, at: datetime) -> bool:
        # Conditional: of two requests racing with the same token, exactly one wins.
        result = await self._connection.execute(
            sa.update(refresh_tokens)
            .where(refresh_tokens.c.id == token_id, refresh_tokens.c.used_at.is_(None))
            .values(used_at=at)
        )
        return result.rowcount == 1

    async def state(self, session_id: int, now: datetime) -> SessionState | None:
        query = (
            sa.select(*_SESSION.select, *_ACCOUNT)
            .select_from(sessions.join(users, users.c.id == sessions.c.user_id))
            .where(sessions.c.id == session_id)
        )
        row = (await self._connection.execute(query)).first()
        if row is None:
            return None
        session = _SESSION.read(row)
        role, disabled, deleted_at = row[_ACCOUNT_AT:]
        return SessionState(
            session_id=session.id,
            user_id=session.user_id,
            role=Role(role),
            method=session.method,
            signed_in_at=session.signed_in_at,
            active=session.is_live(now) and not disabled and deleted_at is None,
        )

    async def delete_ended(self, before: datetime) -> int:
        ended = sa.or_(sessions.c.revoked_at < before, sessions.c.expires_at < before)
        ended_ids = sa.select(sessions.c.id).where(ended)
        await self._connection.execute(
            sa.delete(refresh_tokens).where(
                sa.or_(refresh_tokens.c.session_id.in_(ended_ids), refresh_tokens.c.expires_at < before)
            )
        )
        result = await self._connection.execute(sa.delete(sessions).where(ended))
        return int(result.rowcount)


class SqlThrottleRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    async def lock(self, keys: Sequence[ThrottleKey]) -> dict[ThrottleKey, ThrottleState]:
        if not keys:
            return {}
        wanted = sa.or_(*(sa.and_(throttles.c.scope == k.scope, throttles.c.subject == k.subject) for k in keys))
        # Primary-key order, the same in every worker: two requests locking the same
        # pair of counters cannot deadlock.
        query = (
            sa.select(*_THROTTLE.select)
            .where(wanted)
            .order_by(throttles.c.scope, throttles.c.subject)
            .with_for_update()
        )
        states = [_THROTTLE.read(row) for row in await self._connection.execute(query)]
        return {state.key: state for state in states}

    async def create_missing(self, keys: Sequence[ThrottleKey], now: datetime) -> None:
        for key in sorted(keys):
            try:
                async with self._connection.begin_nested():
                    await self._connection.execute(
                        sa.insert(throttles).values(
                            scope=key.scope, subject=key.subject, window_started_at=now, hits=0, lockouts=0
                        )
                    )
            except IntegrityError:
                pass  # another request created it first: it is there, which is all we need

    async def save(self, state: ThrottleState) -> None:
        await self._connection.execute(
            sa.update(throttles)
            .where(throttles.c.scope == state.key.scope, throttles.c.subject == state.key.subject)
            .values(
                window_started_at=state.window_started_at,
                hits=state.hits,
                lockouts=state.lockouts,
                locked_until=state.locked_until,
            )
        )

    async def delete_idle(self, before: datetime) -> int:
        idle = sa.and_(
            throttles.c.window_started_at < before,
            sa.or_(throttles.c.locked_until.is_(None), throttles.c.locked_until < before),
        )
        return int((await self._connection.execute(sa.delete(throttles).where(idle))).rowcount)
