"""The session and throttle repository contracts, on memory, SQLite and MariaDB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lebrq.domain.model.sessions import NewSession, SignInMethod
from lebrq.domain.model.throttling import ThrottleKey, ThrottleState
from lebrq.domain.model.users import NewUser, Role
from lebrq.ports.unit_of_work import UnitOfWorkFactory

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 12, 1, 10, 0, 0, 123456, tzinfo=UTC)


async def add_user(contract_uow: UnitOfWorkFactory, email: str = "s@example.com") -> int:
    async with contract_uow() as uow:
        user = await uow.users.add(
            NewUser(email=email, name="S", phone=None, role=Role.USER, created_at=T0, password_hash=None)
        )
        await uow.commit()
    return user.id


async def test_sessions_tokens_and_state(contract_uow: UnitOfWorkFactory) -> None:
    user_id = await add_user(contract_uow)
    async with contract_uow() as uow:
        session = await uow.sessions.add(
            NewSession(user_id=user_id, method=SignInMethod.OTP, signed_in_at=T0, expires_at=T0 + timedelta(days=1))
        )
        await uow.sessions.add_refresh_token(session.id, "h" * 64, T0, T0 + timedelta(days=1))
        await uow.commit()
    async with contract_uow() as uow:
        assert await uow.sessions.get(session.id) == session
        token = await uow.sessions.refresh_token("h" * 64)
        assert token is not None
        assert (token.session_id, token.used_at) == (session.id, None)
        assert await uow.sessions.refresh_token("x" * 64) is None
        assert await uow.sessions.use_refresh_token(token.id, T0)
        assert not await uow.sessions.use_refresh_token(token.id, T0)  # one use only
        state = await uow.sessions.state(session.id, T0)
        assert state is not None
        assert (state.user_id, state.role, state.method, state.signed_in_at, state.active) == (
            user_id,
            Role.USER,
            SignInMethod.OTP,
            T0,
            True,
        )
        assert not (await uow.sessions.state(session.id, T0 + timedelta(days=2))).active  # expired
        await uow.users.set_disabled(user_id, True)
        assert not (await uow.sessions.state(session.id, T0)).active
        await uow.users.set_disabled(user_id, False)
        await uow.sessions.extend(session.id, T0 + timedelta(days=5))
        assert (await uow.sessions.state(session.id, T0 + timedelta(days=2))).active
        assert await uow.sessions.state(session.id + 1000, T0) is None
        await uow.commit()


async def test_revoking_one_all_or_all_but_one_session(contract_uow: UnitOfWorkFactory) -> None:
    user_id = await add_user(contract_uow)
    other_user = await add_user(contract_uow, "other@example.com")
    async with contract_uow() as uow:
        new = NewSession(user_id=user_id, method=SignInMethod.PASSWORD, signed_in_at=T0, expires_at=T0 + timedelta(1))
        first, second, third = [await uow.sessions.add(new) for _ in range(3)]
        others = await uow.sessions.add(
            NewSession(user_id=other_user, method=SignInMethod.PASSWORD, signed_in_at=T0, expires_at=T0 + timedelta(1))
        )
        await uow.sessions.revoke(first.id, T0)
        await uow.sessions.revoke(first.id, T0 + timedelta(hours=1))  # stays revoked at the first time
        await uow.sessions.revoke_all_of_user(user_id, T0, keep_session_id=third.id)
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        assert (await uow.sessions.get(first.id)).revoked_at == T0
        assert (await uow.sessions.get(second.id)).revoked_at == T0
        assert (await uow.sessions.get(third.id)).revoked_at is None
        assert (await uow.sessions.get(others.id)).revoked_at is None


async def test_ended_sessions_and_expired_tokens_are_deleted(contract_uow: UnitOfWorkFactory) -> None:
    user_id = await add_user(contract_uow)
    async with contract_uow() as uow:
        ended = await uow.sessions.add(
            NewSession(user_id=user_id, method=SignInMethod.OTP, signed_in_at=T0, expires_at=T0 + timedelta(hours=1))
        )
        live = await uow.sessions.add(
            NewSession(user_id=user_id, method=SignInMethod.OTP, signed_in_at=T0, expires_at=T0 + timedelta(days=9))
        )
        await uow.sessions.add_refresh_token(ended.id, "e" * 64, T0, T0 + timedelta(hours=1))
        await uow.sessions.add_refresh_token(live.id, "o" * 64, T0, T0 + timedelta(hours=1))
        await uow.sessions.add_refresh_token(live.id, "n" * 64, T0, T0 + timedelta(days=9))
        await uow.commit()
    async with contract_uow() as uow:
        assert await uow.sessions.delete_ended(T0 + timedelta(days=1)) == 1
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        assert await uow.sessions.get(ended.id) is None
        assert await uow.sessions.get(live.id) is not None
        assert await uow.sessions.refresh_token("e" * 64) is None
        assert await uow.sessions.refresh_token("o" * 64) is None
        assert await uow.sessions.refresh_token("n" * 64) is not None


async def test_throttle_counters(contract_uow: UnitOfWorkFactory) -> None:
    first, second = sorted([ThrottleKey.of("login-account", "a@example.com"), ThrottleKey.of("login-address", "::1")])
    async with contract_uow() as uow:
        assert await uow.throttles.lock([first, second]) == {}
    async with contract_uow() as uow:
        await uow.throttles.create_missing([first, second], T0)
        await uow.throttles.create_missing([first], T0 + timedelta(hours=1))  # already there: unchanged
        await uow.commit()
    async with contract_uow() as uow:
        states = await uow.throttles.lock([first, second])
        assert states == {first: ThrottleState.fresh(first, T0), second: ThrottleState.fresh(second, T0)}
        changed = ThrottleState(key=first, window_started_at=T0, hits=3, lockouts=1, locked_until=T0 + timedelta(1))
        await uow.throttles.save(changed)
        await uow.commit()
    async with contract_uow() as uow:
        assert (await uow.throttles.lock([first]))[first] == changed
        assert await uow.throttles.delete_idle(T0 + timedelta(hours=1)) == 1  # second; first is locked
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        assert set(await uow.throttles.lock([first, second])) == {first}
