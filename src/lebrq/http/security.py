"""Bearer authentication and role guards.

The access token (lebrq.http.access_tokens) names a user and a session. Each request's
session is looked up through SessionService.state: a per-worker cache at most
SESSION_CHECK_SECONDS old (30 s by default), so a logout, a revocation, a disabled user
or a role change reaches every route within that time without a database query on every
request; admin routes (the `admin_only` guard) read the session afresh every time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult, DefineMiddleware

from lebrq.domain.model.sessions import Grant, SessionState, SignInMethod
from lebrq.domain.model.users import Role
from lebrq.http.access_tokens import AccessClaims, AccessTokenCodec, InvalidToken
from lebrq.http.services import services_of

# Routes that need no token at all; handlers also opt out with `exclude_from_auth=True`.
PUBLIC_PATHS = ["^/api/health", "^/schema", "^/metrics"]
EXCLUDE_OPT_KEY = "exclude_from_auth"


class AuthUser(msgspec.Struct, frozen=True, gc=False):
    id: int
    role: Role
    session_id: int
    method: SignInMethod
    signed_in_at: datetime

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @classmethod
    def of(cls, state: SessionState) -> AuthUser:
        return cls(
            id=state.user_id,
            role=state.role,
            session_id=state.session_id,
            method=state.method,
            signed_in_at=state.signed_in_at,
        )


class SignedIn(msgspec.Struct, frozen=True):
    """What a sign-in or a refresh answers."""

    access_token: str
    expires_in: int
    refresh_token: str
    refresh_expires_in: int
    token_type: str = "bearer"


def signed_in(codec: AccessTokenCodec, grant: Grant) -> SignedIn:
    return SignedIn(
        access_token=codec.encode(grant.user_id, grant.session_id),
        expires_in=codec.ttl_seconds,
        refresh_token=grant.refresh_token,
        refresh_expires_in=grant.refresh_expires_in,
    )


def access_token_codec(connection: ASGIConnection[Any, Any, Any, Any]) -> AccessTokenCodec:
    return connection.app.state.access_tokens  # type: ignore[no-any-return]


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any], header: str) -> tuple[AuthUser, AccessClaims]:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "bearer" or not encoded.strip():
        raise NotAuthorizedException("Authorization header must be 'Bearer <token>'")
    try:
        claims = access_token_codec(connection).decode(encoded.strip())
    except InvalidToken as exc:
        raise NotAuthorizedException(str(exc)) from None
    state = await services_of(connection.app.state).sessions.state(claims.sid)
    if state is None or not state.active or state.user_id != claims.user_id:
        raise NotAuthorizedException("this session has ended; sign in again")
    return AuthUser.of(state), claims


class BearerAuthenticationMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        header = connection.headers.get("authorization")
        if not header:
            raise NotAuthorizedException("no Authorization header: sign in and send 'Bearer <token>'")
        user, claims = await authenticate(connection, header)
        return AuthenticationResult(user=user, auth=claims)


def bearer_middleware() -> DefineMiddleware:
    return DefineMiddleware(BearerAuthenticationMiddleware, exclude=PUBLIC_PATHS, exclude_from_auth_key=EXCLUDE_OPT_KEY)


async def optional_user(connection: ASGIConnection[Any, Any, Any, Any]) -> AuthUser | None:
    """For public routes that show more to a signed-in caller (private media): a valid
    token identifies the caller, a missing one means anonymous, a bad one is 401."""
    header = connection.headers.get("authorization")
    if not header:
        return None
    user, _ = await authenticate(connection, header)
    return user


async def admin_only(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Reads the session afresh: a demoted, disabled or signed-out admin is refused on
    the very next admin request, whatever this worker cached."""
    if connection.scope.get("method") == "OPTIONS":
        return  # Litestar's automatic OPTIONS answer (the Allow header) reveals nothing
    user = connection.scope.get("user")
    if not isinstance(user, AuthUser):
        raise PermissionDeniedException("administrators only")
    state = await services_of(connection.app.state).sessions.state(user.session_id, fresh=True)
    if state is None or not state.active:
        raise NotAuthorizedException("this session has ended; sign in again")
    if not state.is_admin:
        raise PermissionDeniedException("administrators only")
