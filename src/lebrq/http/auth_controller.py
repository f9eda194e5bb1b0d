from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from lebrq.domain.model.users import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from lebrq.http.access_tokens import AccessClaims
from lebrq.http.contract import declare
from lebrq.http.security import AuthUser, SignedIn, access_token_codec, signed_in
from lebrq.http.services import Services
from lebrq.http.users_schema import UserOut

Email = Annotated[str, msgspec.Meta(max_length=254)]
Password = Annotated[str, msgspec.Meta(max_length=MAX_PASSWORD_LENGTH)]
NewPassword = Annotated[str, msgspec.Meta(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)]
# Ours are 43 characters; the bound keeps junk from being hashed and looked up.
RefreshTokenText = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
Caller = Request[AuthUser, AccessClaims, Any]


class RegisterRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: Email
    password: Annotated[str, msgspec.Meta(min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH)]
    name: Annotated[str, msgspec.Meta(max_length=200)]
    phone: Annotated[str, msgspec.Meta(max_length=32)] | None = None


class LoginRequest(msgspec.Struct):
    email: Email
    password: Password


# An email address or an E.164 phone number. No pattern here: the domain trims and
# lower-cases before its rule, which a JSON Schema pattern cannot state exactly.
Destination = Annotated[str, msgspec.Meta(max_length=254)]


class OtpRequest(msgspec.Struct):
    destination: Destination


class OtpVerifyRequest(msgspec.Struct):
    destination: Destination
    code: Annotated[str, msgspec.Meta(max_length=16)]


class RefreshRequest(msgspec.Struct, forbid_unknown_fields=True):
    refresh_token: RefreshTokenText


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    new_password: NewPassword
    current_password: Password | None = None


class OtpIssued(msgspec.Struct, frozen=True):
    expires_in: int


def client_address(request: Request[Any, Any, Any]) -> str:
    """The address throttles count against (made the real client's by the trusted
    proxy handling, when configured)."""
    return request.client.host if request.client is not None else ""


class AuthController(Controller):
    path = "/api/auth"
    tags = ["auth"]

    @post(
        "/register",
        status_code=201,
        exclude_from_auth=True,
        operation_id="registerUser",
        opt=declare(errors=(409, 429)),
    )
    async def register(
        self, data: JSONBody[RegisterRequest], services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> UserOut:
        user = await services.auth.register(
            email=data.email, password=data.password, name=data.name, phone=data.phone, address=client_address(request)
        )
        return UserOut.of(user)

    @post("/login", status_code=200, exclude_from_auth=True, operation_id="login", opt=declare(errors=(401, 429)))
    async def login(
        self, data: JSONBody[LoginRequest], services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> SignedIn:
        grant = await services.auth.sign_in_with_password(
            email=data.email, password=data.password, address=client_address(request)
        )
        return signed_in(access_token_codec(request), grant)

    @post(
        "/refresh",
        status_code=200,
        exclude_from_auth=True,
        operation_id="refreshSession",
        summary="A new token pair; the presented refresh token is used up",
        description="Presenting a used-up refresh token again ends its whole session (401).",
        opt=declare(errors=(401,)),
    )
    async def refresh(
        self, data: JSONBody[RefreshRequest], services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> SignedIn:
        grant = await services.sessions.refresh(data.refresh_token)
        return signed_in(access_token_codec(request), grant)

    @post(
        "/logout",
        status_code=204,
        exclude_from_auth=True,
        operation_id="logout",
        summary="Ends the session of the refresh token",
        description="204 also for an unknown or already ended token. Its access tokens stop working within 60 s.",
    )
    async def logout(self, data: JSONBody[RefreshRequest], services: NamedDependency[Services]) -> None:
        await services.sessions.logout(data.refresh_token)

    @post(
        "/otp/request", status_code=202, exclude_from_auth=True, operation_id="requestOtp", opt=declare(errors=(429,))
    )
    async def request_otp(
        self, data: JSONBody[OtpRequest], services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> OtpIssued:
        return OtpIssued(expires_in=await services.auth.request_otp(data.destination, address=client_address(request)))

    @post(
        "/otp/verify", status_code=200, exclude_from_auth=True, operation_id="verifyOtp", opt=declare(errors=(401, 429))
    )
    async def verify_otp(
        self, data: JSONBody[OtpVerifyRequest], services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> SignedIn:
        grant = await services.auth.verify_otp(data.destination, data.code, address=client_address(request))
        return signed_in(access_token_codec(request), grant)

    @get("/me", operation_id="getMe")
    async def me(self, request: Caller, services: NamedDependency[Services]) -> UserOut:
        return UserOut.of(await services.auth.get_user(request.user.id))

    @post(
        "/password",
        status_code=204,
        operation_id="changePassword",
        summary="Sets a new password and ends the user's other sessions",
        description="`current_password` is required unless this session began with a one-time code in the "
        "last 10 minutes (how a forgotten password is reset); a missing or wrong one is 403 naming it.",
        opt=declare(errors=(403, 429)),
    )
    async def change_password(
        self, data: JSONBody[PasswordChange], request: Caller, services: NamedDependency[Services]
    ) -> None:
        await services.accounts.change_password(
            request.user.session_id, current_password=data.current_password, new_password=data.new_password
        )

    @delete(
        "/me",
        status_code=204,
        operation_id="deleteMe",
        summary="Deletes the caller's account",
        description="Name, email and phone are erased, pending bookings and enrolments cancelled, every "
        "session ended; issued invoices and credit notes are kept unchanged.",
    )
    async def delete_me(self, request: Caller, services: NamedDependency[Services]) -> None:
        await services.accounts.delete_account(request.user.session_id)
