from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from lebrq.adapters.memory.store import MemoryStore
from lebrq.domain.model.sessions import NewSession, RefreshToken, Session, SessionState
from lebrq.domain.model.throttling import ThrottleKey, ThrottleState


class MemorySessionRepository:
    def __init__(self, store: MemoryStore) -> None:
        self._sessions = store.table("sessions")
        self._tokens = store.table("refresh_tokens")
        self._users = store.table("users")

    async def add(self, session: NewSession) -> Session:
        stored = Session(id=self._sessions.next_id(), **msgspec.structs.asdict(session))
        self._sessions[stored.id] = stored
        return stored

    async def get(self, session_id: int) -> Session | None:
        return self._sessions.get(session_id)

    async def extend(self, session_id: int, expires_at: datetime) -> None:
        self._sessions[session_id] = msgspec.structs.replace(self._sessions[session_id], expires_at=expires_at)

    async def revoke(self, session_id: int, at: datetime) -> None:
        session = self._sessions.get(session_id)
        if session is not None and session.revoked_at is None:
            self._sessions[session_id] = msgspec.structs.replace(session, revoked_at=at)

    async def revoke_all_of_user(self, user_id: int, at: datetime, *, keep_session_id: int | None = None) -> None:
        for session in list(self._sessions.values()):
            if session.user_id == user_id and session.id != keep_session_id:
                await self.revoke(session.id, at)

    async def add_refresh_token(
        self, session_id: int, token_hash: str, issued_at: datetime, expires_at: datetime
    ) -> None:
        token_id = self._tokens.next_id()
        self._tokens[token_id] = RefreshToken(
            id=token_id, session_id=session_id, token_hash=token_hash, issued_at=issued_at, expires_at=expires_at
        )

    async def refresh_token(self, token_hash: str) -> RefreshToken | None:
        return next((t for t in self._tokens.values() if t.token_hash == token_hash), None)

    async def use_refresh_token(self, token_id: int, at: datetime) -> bool:
        token = self._tokens[token_id]
        if token.used_at is not None:
            return False
        self._tokens[token_id] = msgspec.structs.replace(token, used_at=at)
        return True

    async def state(self, session_id: int, now: datetime) -> SessionState | None:
        session = self._sessions.get(session_id)
        if session is None:
            return None
        user = self._users[session.user_id]
        return SessionState(
            session_id=session.id,
            user_id=session.user_id,
            role=user.role,
            method=session.method,
            signed_in_at=session.signed_in_at,
            active=session.is_live(now) and user.may_sign_in,
        )

    async def delete_ended(self, before: datetime) -> int:
        ended = {
            s.id
            for s in self._sessions.values()
            if (s.revoked_at is not None and s.revoked_at < before) or s.expires_at < before
        }
        for token in list(self._tokens.values()):
            if token.session_id in ended or token.expires_at < before:
                del self._tokens[token.id]
        for session_id in ended:
            del self._sessions[session_id]
        return len(ended)


class MemoryThrottleRepository:
    """Writers are serialised by the store's lock, which is all `lock` must give."""

    def __init__(self, store: MemoryStore) -> None:
        # Keyed by ThrottleKey rather than an integer id; snapshots copy it like any table.
        self._rows: dict[ThrottleKey, ThrottleState] = store.table("throttles")  # type: ignore[assignment]

    async def lock(self, keys: Sequence[ThrottleKey]) -> dict[ThrottleKey, ThrottleState]:
        return {key: self._rows[key] for key in keys if key in self._rows}

    async def create_missing(self, keys: Sequence[ThrottleKey], now: datetime) -> None:
        for key in keys:
            self._rows.setdefault(key, ThrottleState.fresh(key, now))

    async def save(self, state: ThrottleState) -> None:
        self._rows[state.key] = state

    async def delete_idle(self, before: datetime) -> int:
        idle = [
            key
            for key, state in self._rows.items()
            if state.window_started_at < before and (state.locked_until is None or state.locked_until < before)
        ]
        for key in idle:
            del self._rows[key]
        return len(idle)
