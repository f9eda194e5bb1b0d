"""Sessions: started at sign-in, refreshed by rotation, ended by logout or revocation,
and looked up (through a short per-worker cache) on every authenticated request."""

from __future__ import annotations

import math
from collections import OrderedDict
from datetime import datetime, timedelta

from lebrq.domain.model.errors import NotAuthenticated
from lebrq.domain.model.sessions import (
    Grant,
    NewSession,
    SessionPolicy,
    SessionState,
    SignInMethod,
    hash_refresh_token,
    new_refresh_token,
)
from lebrq.domain.model.users import User
from lebrq.ports.clock import Clock
from lebrq.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

_REFRESH_REFUSED = "refresh token is not valid; sign in again"


class SessionService:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, policy: SessionPolicy | None = None) -> None:
        self._uow = uow
        self._clock = clock
        self.policy = policy or SessionPolicy()
        # session id -> (state, when read): this worker's view, at most state_ttl old.
        self._states: OrderedDict[int, tuple[SessionState, datetime]] = OrderedDict()

    async def start(self, uow: UnitOfWork, user: User, method: SignInMethod) -> Grant:
        """A new session for `user`, inside the caller's unit of work (which commits)."""
        now = self._clock.now()
        expires_at = now + self.policy.refresh_ttl
        session = await uow.sessions.add(
            NewSession(user_id=user.id, method=method, signed_in_at=now, expires_at=expires_at)
        )
        return await self._grant(uow, session.id, user, now)

    async def refresh(self, refresh_token: str) -> Grant:
        """Uses the token up and returns the session's next one. A token that was used
        before ends the whole session: one of its two holders is not its owner."""
        now = self._clock.now()
        async with self._uow() as uow:
            token = await uow.sessions.refresh_token(hash_refresh_token(refresh_token))
            if token is None:
                raise NotAuthenticated(_REFRESH_REFUSED, field="refresh_token")
            session = await uow.sessions.get(token.session_id)
            if session is None or not session.is_live(now):
                raise NotAuthenticated(_REFRESH_REFUSED, field="refresh_token")
            if token.used_at is not None or not await uow.sessions.use_refresh_token(token.id, now):
                await uow.sessions.revoke(session.id, now)
                await uow.commit()
                self._states.pop(session.id, None)
                raise NotAuthenticated(
                    "this refresh token was already used: the session is ended; sign in again", field="refresh_token"
                )
            if token.expires_at <= now:
                raise NotAuthenticated(_REFRESH_REFUSED, field="refresh_token")
            user = await uow.users.get(session.user_id)
            if user is None or not user.may_sign_in:
                raise NotAuthenticated(_REFRESH_REFUSED, field="refresh_token")
            grant = await self._grant(uow, session.id, user, now)
            await uow.sessions.extend(session.id, now + self.policy.refresh_ttl)
            await uow.commit()
        return grant

    async def logout(self, refresh_token: str) -> None:
        """Ends the token's session. An unknown token is no error: logging out twice, or
        after the session ended anyway, has the same outcome."""
        now = self._clock.now()
        async with self._uow() as uow:
            token = await uow.sessions.refresh_token(hash_refresh_token(refresh_token))
            if token is None:
                return
            await uow.sessions.revoke(token.session_id, now)
            await uow.commit()
        self._states.pop(token.session_id, None)

    async def revoke_all_of_user(
        self, user_id: int, *, uow: UnitOfWork | None = None, keep_session_id: int | None = None
    ) -> None:
        """Ends every session of the user (but `keep_session_id`). Given a unit of work
        (an admin disabling the user, a role change), it joins that transaction; the
        caller commits. Other workers notice within `policy.state_ttl`; admin routes at once."""
        now = self._clock.now()
        if uow is not None:
            await uow.sessions.revoke_all_of_user(user_id, now, keep_session_id=keep_session_id)
        else:
            async with self._uow() as own:
                await own.sessions.revoke_all_of_user(user_id, now, keep_session_id=keep_session_id)
                await own.commit()
        self.forget_user(user_id)

    def forget_user(self, user_id: int) -> None:
        """Drops this worker's cached view of the user's sessions (after a change to them)."""
        for session_id in [sid for sid, (state, _) in self._states.items() if state.user_id == user_id]:
            del self._states[session_id]

    async def state(self, session_id: int, *, fresh: bool = False) -> SessionState | None:
        """The session as of at most `policy.state_ttl` ago (`fresh`: read now). None
        when it does not exist."""
        now = self._clock.now()
        cached = self._states.get(session_id)
        if cached is not None and not fresh and now - cached[1] < self.policy.state_ttl:
            return cached[0]
        async with self._uow(read_only=True) as uow:
            state = await uow.sessions.state(session_id, now)
        if state is None:
            self._states.pop(session_id, None)
            return None
        self._states[session_id] = (state, now)
        self._states.move_to_end(session_id)
        while len(self._states) > self.policy.state_cache_size:
            self._states.popitem(last=False)
        return state

    async def sweep(self) -> int:
        """Deletes sessions and tokens that ended more than a day ago."""
        async with self._uow() as uow:
            deleted = await uow.sessions.delete_ended(self._clock.now() - timedelta(days=1))
            await uow.commit()
        return deleted

    async def _grant(self, uow: UnitOfWork, session_id: int, user: User, now: datetime) -> Grant:
        token = new_refresh_token()
        expires_at = now + self.policy.refresh_ttl
        await uow.sessions.add_refresh_token(session_id, hash_refresh_token(token), now, expires_at)
        return Grant(
            session_id=session_id,
            user_id=user.id,
            role=user.role,
            refresh_token=token,
            refresh_expires_in=math.floor(self.policy.refresh_ttl.total_seconds()),
        )
