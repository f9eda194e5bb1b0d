"""One-time login codes: what a challenge is and the policy that bounds guessing."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import msgspec

from lebrq.domain.model.errors import InvalidInput
from lebrq.domain.model.users import normalize_email, normalize_phone


class OtpPolicy(msgspec.Struct, frozen=True, gc=False):
    code_ttl: timedelta = timedelta(minutes=5)
    max_failed_attempts: int = 5
    # Per destination: one code per `min_interval`, at most `max_per_window` per `window`.
    min_interval: timedelta = timedelta(seconds=30)
    window: timedelta = timedelta(hours=1)
    max_per_window: int = 5
    # Wrong codes per destination over a day, all its codes together (at most
    # max_failed_attempts counted per code): no new code once reached. Without it a new
    # code after each lock would allow some 600 guesses a day.
    max_failures_per_day: int = 15


class NewOtpChallenge(msgspec.Struct, frozen=True, gc=False):
    destination: str
    code_hash: str
    created_at: datetime
    expires_at: datetime


class OtpChallenge(msgspec.Struct, frozen=True, gc=False):
    id: int
    destination: str
    code_hash: str
    created_at: datetime
    expires_at: datetime
    # Every verification attempt, counted before the code is compared.
    failed_attempts: int = 0
    consumed_at: datetime | None = None

    def is_locked(self, policy: OtpPolicy, now: datetime) -> bool:
        return self.consumed_at is None and self.failed_attempts >= policy.max_failed_attempts and self.expires_at > now


def normalize_destination(raw: str) -> str:
    """An email address (lower-cased) or an E.164 phone number."""
    raw = raw.strip()
    if "@" in raw:
        return normalize_email(raw, field="destination")
    try:
        return normalize_phone(raw, field="destination")
    except InvalidInput:
        raise InvalidInput(
            "destination must be an email address or an E.164 phone number", field="destination"
        ) from None


def is_phone(destination: str) -> bool:
    return destination.startswith("+")


def new_code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


class OtpCodeHasher:
    """HMAC with a server key: a leaked table of hashes of 6-digit codes cannot be
    reversed by trying all million codes without the key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def hash(self, destination: str, code: str) -> str:
        return hmac.new(self._key, f"{destination}\x00{code}".encode(), hashlib.sha256).hexdigest()

    def matches(self, challenge: OtpChallenge, code: str) -> bool:
        return hmac.compare_digest(challenge.code_hash, self.hash(challenge.destination, code))
