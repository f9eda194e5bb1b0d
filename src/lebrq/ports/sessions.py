"""Storage of sign-in sessions and of the shared throttle counters."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from lebrq.domain.model.sessions import NewSession, RefreshToken, Session, SessionState
from lebrq.domain.model.throttling import ThrottleKey, ThrottleState


class SessionRepository(Protocol):
    async def add(self, session: NewSession) -> Session: ...

    async def get(self, session_id: int) -> Session | None: ...

    async def extend(self, session_id: int, expires_at: datetime) -> None: ...

    async def revoke(self, session_id: int, at: datetime) -> None:
        """Ends the session (no effect when it already ended)."""
        ...

    async def revoke_all_of_user(self, user_id: int, at: datetime, *, keep_session_id: int | None = None) -> None: ...

    async def add_refresh_token(
        self, session_id: int, token_hash: str, issued_at: datetime, expires_at: datetime
    ) -> None: ...

    async def refresh_token(self, token_hash: str) -> RefreshToken | None: ...

    async def use_refresh_token(self, token_id: int, at: datetime) -> bool:
        """Marks the token used if it was not yet (atomically); False if it already was."""
        ...

    async def state(self, session_id: int, now: datetime) -> SessionState | None:
        """The session with its user's role and standing; None when there is no such session."""
        ...

    async def delete_ended(self, before: datetime) -> int:
        """Deletes sessions (and their tokens) that ended before `before`; returns how many."""
        ...


class ThrottleRepository(Protocol):
    async def lock(self, keys: Sequence[ThrottleKey]) -> dict[ThrottleKey, ThrottleState]:
        """Locks the counters of `keys` until the unit of work ends and returns those that
        exist. Create missing ones with `create_missing` in a unit of work of its own."""
        ...

    async def create_missing(self, keys: Sequence[ThrottleKey], now: datetime) -> None:
        """Inserts fresh counters; a key another worker inserted meanwhile is left alone."""
        ...

    async def save(self, state: ThrottleState) -> None: ...

    async def delete_idle(self, before: datetime) -> int:
        """Deletes counters neither counting nor locked since `before`."""
        ...
