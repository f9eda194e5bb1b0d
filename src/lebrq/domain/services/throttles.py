"""Counting attempts against the shared throttles, atomically across workers."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from datetime import timedelta

import msgspec

from lebrq.domain.model.errors import TooManyRequests
from lebrq.domain.model.throttling import Limit, ThrottleKey, ThrottleState, count_attempt
from lebrq.ports.clock import Clock
from lebrq.ports.unit_of_work import UnitOfWorkFactory


class ThrottleScope(str, enum.Enum):
    LOGIN_ACCOUNT = "login-account"
    LOGIN_ADDRESS = "login-address"
    REGISTER_ADDRESS = "register-address"
    OTP_ADDRESS = "otp-address"
    OTP_DESTINATION_DAY = "otp-destination-day"


class ThrottlePolicy(msgspec.Struct, frozen=True, gc=False):
    """The limits (None: not limited). Defaults match the settings' defaults."""

    login_per_account: Limit | None = Limit(10, timedelta(minutes=15))
    login_per_address: Limit | None = Limit(50, timedelta(minutes=15))
    register_per_address: Limit | None = Limit(10, timedelta(hours=1))
    otp_per_address: Limit | None = Limit(30, timedelta(hours=1))
    # Wrong one-time codes per destination per day, over all its codes: without it, a
    # new code after each lock would give an attacker ~600 guesses a day.
    otp_failures_per_destination: Limit | None = Limit(15, timedelta(days=1))


class Throttles:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def attempt(self, checks: Sequence[tuple[ThrottleKey, Limit | None]], message: str) -> None:
        """Counts one attempt against each limited key, all in one transaction; raises
        TooManyRequests (Retry-After: the longest lock) when any of them refuses it."""
        limits = {key: limit for key, limit in checks if limit is not None}
        if not limits:
            return
        now = self._clock.now()
        refused = await self._update(list(limits), lambda state: count_attempt(state, limits[state.key], now))
        retry = max((s.retry_after(now) or 0 for s in refused), default=0)
        if retry:
            raise TooManyRequests(message, retry_after_seconds=retry)

    async def change(
        self, key: ThrottleKey, limit: Limit | None, change: Callable[[ThrottleState], ThrottleState]
    ) -> None:
        """Applies `change` to one counter (a refund, a reset) if it is limited."""
        if limit is not None:
            await self._update([key], change)

    async def sweep(self, idle_for: timedelta = timedelta(days=2)) -> int:
        async with self._uow() as uow:
            deleted = await uow.throttles.delete_idle(self._clock.now() - idle_for)
            await uow.commit()
        return deleted

    async def _update(
        self, keys: list[ThrottleKey], change: Callable[[ThrottleState], ThrottleState]
    ) -> list[ThrottleState]:
        keys = sorted(set(keys))
        for _ in range(2):
            async with self._uow() as uow:
                states = await uow.throttles.lock(keys)
                if len(states) == len(keys):
                    changed = [change(states[key]) for key in keys]
                    for state in changed:
                        await uow.throttles.save(state)
                    await uow.commit()
                    return changed
            # First attempt of someone: the counters are created in a transaction of
            # their own (creating them under the lock would let two workers deadlock).
            async with self._uow() as uow:
                await uow.throttles.create_missing([k for k in keys if k not in states], self._clock.now())
                await uow.commit()
        raise RuntimeError("throttle counters vanished while being created")  # only a concurrent sweep could


def key(scope: ThrottleScope, subject: str) -> ThrottleKey:
    return ThrottleKey.of(scope.value, subject)
