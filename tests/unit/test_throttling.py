"""The throttle rule: COUNT/PERIOD limits, locks that grow, forgiveness after quiet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lebrq.domain.model.key_derivation import derive_key
from lebrq.domain.model.throttling import MAX_LOCK, Limit, ThrottleKey, ThrottleState, count_attempt, refund_attempt

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
LIMIT = Limit(3, timedelta(minutes=10))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10/15m", Limit(10, timedelta(minutes=15))),
        ("100/1h", Limit(100, timedelta(hours=1))),
        ("5/d", Limit(5, timedelta(days=1))),
        (" 3 / 30s ", Limit(3, timedelta(seconds=30))),
        ("0", None),
    ],
)
def test_limits_parse(text: str, expected: Limit | None) -> None:
    assert Limit.parse(text) == expected


@pytest.mark.parametrize("text", ["", "10", "10/15", "10/15w", "0/1h", "10/0m", "-1/1h", "ten/1h"])
def test_bad_limits_say_what_is_expected(text: str) -> None:
    with pytest.raises(ValueError, match=r"COUNT/PERIOD|at least 1"):
        Limit.parse(text)


def attempts(state: ThrottleState, times: int, now: datetime) -> ThrottleState:
    for _ in range(times):
        state = count_attempt(state, LIMIT, now)
    return state


def test_the_attempt_beyond_the_limit_locks_for_a_period_then_twice_as_long() -> None:
    state = attempts(ThrottleState.fresh(ThrottleKey.of("s", "x"), T0), 3, T0)
    assert state.retry_after(T0) is None
    state = count_attempt(state, LIMIT, T0)
    assert state.retry_after(T0) == 600
    assert count_attempt(state, LIMIT, T0 + timedelta(minutes=5)) == state  # refused, not counted
    after_lock = T0 + timedelta(minutes=10)
    state = attempts(state, 4, after_lock)
    assert state.retry_after(after_lock) == 1200
    third = attempts(state, 4, after_lock + timedelta(minutes=20))
    assert third.retry_after(after_lock + timedelta(minutes=20)) == 2400


def test_a_quiet_period_forgives_earlier_locks_and_locks_never_exceed_a_day() -> None:
    state = attempts(ThrottleState.fresh(ThrottleKey.of("s", "x"), T0), 4, T0)
    quiet = T0 + timedelta(minutes=10) + LIMIT.period
    state = attempts(state, 4, quiet)
    assert state.retry_after(quiet) == 600
    state = ThrottleState(key=state.key, window_started_at=quiet, lockouts=40)
    assert attempts(state, 4, quiet).retry_after(quiet) == MAX_LOCK.total_seconds()


def test_a_refund_takes_one_attempt_back() -> None:
    state = attempts(ThrottleState.fresh(ThrottleKey.of("s", "x"), T0), 3, T0)
    assert refund_attempt(state).hits == 2
    assert refund_attempt(ThrottleState.fresh(state.key, T0)).hits == 0


def test_keys_hold_no_personal_data() -> None:
    key = ThrottleKey.of("login-account", "asha@example.com")
    assert "asha" not in key.subject
    assert len(key.subject) == 64


def test_hkdf_matches_rfc_5869_and_separates_purposes() -> None:
    # RFC 5869, appendix A.1 (SHA-256, test case 1).
    okm = derive_key(bytes([0x0B] * 22), bytes(range(0xF0, 0xFA)), 42, salt=bytes(range(13)))
    assert okm.hex() == ("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    assert derive_key(b"s" * 32, "access token") != derive_key(b"s" * 32, "one-time codes")
    assert len(derive_key(b"s" * 32, "x", 64)) == 64
