"""Sign-in sessions: one per sign-in, kept alive by rotating refresh tokens.

A refresh token is a random string the client keeps; the database keeps only its
SHA-256. Each refresh uses the presented token up and issues the next one; a used-up
token presented again means it was copied, so the whole session ends (reuse detection).
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from datetime import datetime, timedelta

import msgspec

from lebrq.domain.model.users import Role


class SignInMethod(str, enum.Enum):
    PASSWORD = "password"
    OTP = "otp"


class SessionPolicy(msgspec.Struct, frozen=True, gc=False):
    # A refresh token unused for this long expires, and its session with it.
    refresh_ttl: timedelta = timedelta(days=30)
    # How long a worker may trust what it last read about a session (revocation,
    # role, disabled) before reading it again; admin routes always read afresh.
    state_ttl: timedelta = timedelta(seconds=30)
    # A password may be set without the current one this soon after an OTP sign-in.
    recent_otp_sign_in: timedelta = timedelta(minutes=10)
    # Per worker; beyond it the oldest entries are dropped (a cache, not a registry).
    state_cache_size: int = 10_000


class NewSession(msgspec.Struct, frozen=True, gc=False):
    user_id: int
    method: SignInMethod
    signed_in_at: datetime
    expires_at: datetime


class Session(msgspec.Struct, frozen=True, gc=False):
    id: int
    user_id: int
    method: SignInMethod
    signed_in_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


class RefreshToken(msgspec.Struct, frozen=True, gc=False):
    id: int
    session_id: int
    token_hash: str
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


class SessionState(msgspec.Struct, frozen=True, gc=False):
    """What authenticating a request needs to know, read in one query."""

    session_id: int
    user_id: int
    role: Role
    method: SignInMethod
    signed_in_at: datetime
    # False once the session is revoked or expired, or its user disabled or deleted.
    active: bool

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


class Grant(msgspec.Struct, frozen=True, gc=False):
    """A session's next refresh token, for the HTTP layer to hand out with an access token."""

    session_id: int
    user_id: int
    role: Role
    refresh_token: str
    refresh_expires_in: int


def new_refresh_token() -> str:
    return secrets.token_urlsafe(32)


def hash_refresh_token(token: str) -> str:
    # The token has 256 random bits: a plain hash cannot be reversed by guessing.
    return hashlib.sha256(token.encode()).hexdigest()
