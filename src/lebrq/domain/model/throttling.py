"""Throttles: how many attempts a subject (an account, a client address, an OTP
destination) may make per period, and the growing lock that follows too many.

The counters live in the database (`ThrottleRepository`), so every worker of every
machine counts together. The rule is here, in one place: `count_attempt`.
"""

from __future__ import annotations

import hashlib
import math
import re
from datetime import datetime, timedelta

import msgspec

# A lock doubles each time the limit is hit again right after the previous lock,
# up to this long.
MAX_LOCK = timedelta(days=1)

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_LIMIT = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")


class Limit(msgspec.Struct, frozen=True, gc=False):
    """`count` attempts per `period`."""

    count: int
    period: timedelta

    @classmethod
    def parse(cls, text: str) -> Limit | None:
        """`COUNT/PERIOD` (`10/15m`, `100/1h`, `5/d`); `0` means no limit (None).
        Raises ValueError saying what is wrong."""
        if text.strip() == "0":
            return None
        match = _LIMIT.match(text)
        if not match:
            raise ValueError(f"{text!r} is not COUNT/PERIOD such as 10/15m or 100/1h (units s, m, h, d), or 0")
        count, amount, unit = int(match.group(1)), int(match.group(2) or 1), match.group(3)
        if count < 1 or amount < 1:
            raise ValueError(f"{text!r}: count and period must be at least 1 (0 alone turns the limit off)")
        return cls(count=count, period=timedelta(seconds=amount * _UNITS[unit]))


class ThrottleKey(msgspec.Struct, frozen=True, gc=False, order=True):
    scope: str
    # A hash of the email, address or destination: the table holds no personal data.
    subject: str

    @classmethod
    def of(cls, scope: str, raw_subject: str) -> ThrottleKey:
        return cls(scope=scope, subject=hashlib.sha256(raw_subject.encode()).hexdigest())


class ThrottleState(msgspec.Struct, frozen=True, gc=False):
    key: ThrottleKey
    window_started_at: datetime
    hits: int = 0
    lockouts: int = 0
    locked_until: datetime | None = None

    @classmethod
    def fresh(cls, key: ThrottleKey, now: datetime) -> ThrottleState:
        return cls(key=key, window_started_at=now)

    def retry_after(self, now: datetime) -> int | None:
        """Seconds until the lock ends, or None when not locked."""
        if self.locked_until is None or self.locked_until <= now:
            return None
        return max(1, math.ceil((self.locked_until - now).total_seconds()))


def count_attempt(state: ThrottleState, limit: Limit, now: datetime) -> ThrottleState:
    """The state after one more attempt. An attempt while locked changes nothing (it is
    refused; check `retry_after` on the result). Beyond `limit.count` in a window the
    attempt is refused and the subject locked for one period, doubled for each lock
    that follows another within a period of its end."""
    if state.retry_after(now) is not None:
        return state
    if now - state.window_started_at >= limit.period:
        # A whole period without exceeding the limit (a lock restarts the window when
        # it ends) forgives earlier locks.
        state = ThrottleState.fresh(state.key, now)
    if state.hits < limit.count:
        return msgspec.structs.replace(state, hits=state.hits + 1)
    lockouts = state.lockouts + 1
    lock = min(limit.period * 2 ** min(lockouts - 1, 16), MAX_LOCK)
    locked_until = now + lock
    return msgspec.structs.replace(
        state, window_started_at=locked_until, hits=0, lockouts=lockouts, locked_until=locked_until
    )


def refund_attempt(state: ThrottleState) -> ThrottleState:
    """An attempt that turned out legitimate (a successful sign-in) no longer counts."""
    return msgspec.structs.replace(state, hits=max(0, state.hits - 1))


def forget(state: ThrottleState, now: datetime) -> ThrottleState:
    """Back to no attempts (the account's owner signed in)."""
    return ThrottleState.fresh(state.key, now)
