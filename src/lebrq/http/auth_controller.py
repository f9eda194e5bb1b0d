from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.security.jwt import JWTAuth, Token

from lebrq.domain.users import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from lebrq.http.contract import declare
from lebrq.http.security import AccessToken, AuthUser, issue_token
from lebrq.http.services import Services
from lebrq.http.users_schema import UserOut

Email = Annotated[str, msgspec.Meta(max_length=254)]
Password = Annotated[str, msgspec.Meta(max_length=256)]


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


class OtpIssued(msgspec.Struct, frozen=True):
    expires_in: int


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
    async def register(self, data: JSONBody[RegisterRequest], services: NamedDependency[Services]) -> UserOut:
        user = await services.auth.register(email=data.email, password=data.password, name=data.name, phone=data.phone)
        return UserOut.of(user)

    @post("/login", status_code=200, exclude_from_auth=True, operation_id="login", opt=declare(errors=(401, 429)))
    async def login(
        self, data: JSONBody[LoginRequest], services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> AccessToken:
        user = await services.auth.authenticate(email=data.email, password=data.password)
        return issue_token(_jwt(request), user)

    @post(
        "/otp/request", status_code=202, exclude_from_auth=True, operation_id="requestOtp", opt=declare(errors=(429,))
    )
    async def request_otp(self, data: JSONBody[OtpRequest], services: NamedDependency[Services]) -> OtpIssued:
        return OtpIssued(expires_in=await services.auth.request_otp(data.destination))

    @post(
        "/otp/verify", status_code=200, exclude_from_auth=True, operation_id="verifyOtp", opt=declare(errors=(401, 429))
    )
    async def verify_otp(
        self, data: JSONBody[OtpVerifyRequest], services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> AccessToken:
        user = await services.auth.verify_otp(data.destination, data.code)
        return issue_token(_jwt(request), user)

    @get("/me", operation_id="getMe")
    async def me(self, request: Request[AuthUser, Token, Any], services: NamedDependency[Services]) -> UserOut:
        return UserOut.of(await services.auth.get_user(request.user.id))


def _jwt(request: Request[Any, Any, Any]) -> JWTAuth[AuthUser, Token]:
    jwt_auth: JWTAuth[AuthUser, Token] = request.app.state.jwt_auth
    return jwt_auth
