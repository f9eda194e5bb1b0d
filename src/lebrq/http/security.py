"""JWT bearer authentication and role guards.

The token carries the user id and role, so authenticating a request costs no database
query. The price: a role change takes effect when the token expires (JWT_TTL_MINUTES).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.security.jwt import JWTAuth, Token

from lebrq.domain.users import Role, User

# Routes that need no token at all; handlers also opt out with `exclude_from_auth=True`.
PUBLIC_PATHS = ["^/api/health", "^/schema", "^/metrics"]


class AuthUser(msgspec.Struct, frozen=True, gc=False):
    id: int
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


class AccessToken(msgspec.Struct, frozen=True):
    access_token: str
    expires_in: int
    token_type: str = "bearer"


async def _user_from_token(token: Token, _connection: ASGIConnection[Any, Any, Any, Any]) -> AuthUser | None:
    try:
        return AuthUser(id=int(token.sub), role=Role(token.extras.get("role", "user")))
    except (ValueError, TypeError):
        return None


def build_jwt_auth(secret: str, ttl: timedelta) -> JWTAuth[AuthUser, Token]:
    return JWTAuth[AuthUser, Token](
        retrieve_user_handler=_user_from_token,
        token_secret=secret,
        default_token_expiration=ttl,
        exclude=PUBLIC_PATHS,
        exclude_opt_key="exclude_from_auth",
    )


def issue_token(jwt_auth: JWTAuth[AuthUser, Token], user: User) -> AccessToken:
    token = jwt_auth.create_token(identifier=str(user.id), token_extras={"role": user.role.value})
    return AccessToken(access_token=token, expires_in=int(jwt_auth.default_token_expiration.total_seconds()))


async def optional_user(connection: ASGIConnection[Any, Any, Any, Any]) -> AuthUser | None:
    """For public routes that show more to a signed-in caller (private media): a valid
    token identifies the caller, a missing one means anonymous, a bad one is 401."""
    header = connection.headers.get("authorization")
    if not header:
        return None
    jwt_auth: JWTAuth[AuthUser, Token] = connection.app.state.jwt_auth
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "bearer" or not encoded:
        raise NotAuthorizedException("Authorization header must be 'Bearer <token>'")
    try:
        token = jwt_auth.token_cls.decode(
            encoded_token=encoded.strip(), secret=jwt_auth.token_secret, algorithm=jwt_auth.algorithm
        )
    except NotAuthorizedException:
        raise
    except Exception:
        raise NotAuthorizedException("invalid token") from None
    return await _user_from_token(token, connection)


def admin_only(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    if connection.scope.get("method") == "OPTIONS":
        return  # Litestar's automatic OPTIONS answer (the Allow header) reveals nothing
    user = connection.scope.get("user")
    if not isinstance(user, AuthUser) or not user.is_admin:
        raise PermissionDeniedException("administrators only")
