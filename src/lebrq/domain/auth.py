"""Sign-up and sign-in use cases: password accounts, one-time codes, admins."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import msgspec

from lebrq.domain.audit import AuditAction, record
from lebrq.domain.errors import InvalidInput, NotAuthenticated, NotFound, TooManyRequests
from lebrq.domain.otp import (
    NewOtpChallenge,
    OtpCodeHasher,
    OtpPolicy,
    is_phone,
    new_code,
    normalize_destination,
)
from lebrq.domain.users import NewUser, Role, User, check_password, clean_name, normalize_email, normalize_phone
from lebrq.ports.clock import Clock
from lebrq.ports.security import OtpSender, PasswordHasher
from lebrq.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

# Verified against when the email is unknown, so a miss costs the same time as a wrong
# password and response times do not reveal which emails are registered.
_TIMING_DECOY_PASSWORD = "not-a-real-password-decoy"


class AuthService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        otp_sender: OtpSender,
        clock: Clock,
        otp_hasher: OtpCodeHasher,
        otp_policy: OtpPolicy | None = None,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._otp_sender = otp_sender
        self._clock = clock
        self._otp_hasher = otp_hasher
        self._otp_policy = otp_policy or OtpPolicy()
        self._decoy_hash: str | None = None

    async def register(
        self, *, email: str, password: str, name: str, phone: str | None = None, role: Role = Role.USER
    ) -> User:
        new_user = NewUser(
            email=normalize_email(email),
            name=clean_name(name),
            phone=normalize_phone(phone) if phone else None,
            role=role,
            created_at=self._clock.now(),
            password_hash=None,
        )
        check_password(password)
        # Hash before the transaction: a slow hash must not hold a connection.
        password_hash = await self._hasher.hash(password)
        async with self._uow() as uow:
            user = await uow.users.add(_with_hash(new_user, password_hash))
            await uow.commit()
        return user

    async def authenticate(self, *, email: str, password: str) -> User:
        try:
            email = normalize_email(email)
        except InvalidInput:
            raise NotAuthenticated("wrong email or password") from None
        async with self._uow(read_only=True) as uow:
            user = await uow.users.get_by_email(email)
        if user is None or user.password_hash is None:
            await self._hasher.verify(await self._decoy(), password)
            raise NotAuthenticated("wrong email or password")
        if not await self._hasher.verify(user.password_hash, password):
            raise NotAuthenticated("wrong email or password")
        return user

    async def get_user(self, user_id: int) -> User:
        async with self._uow(read_only=True) as uow:
            user = await uow.users.get(user_id)
        if user is None:
            raise NotFound("user not found")
        return user

    async def ensure_admin(self, *, email: str, password: str, name: str = "Administrator") -> User:
        """Create an admin, or promote the existing account with that email; the change
        (not a start that finds the admin in place) is recorded in the audit log in the
        same transaction, with the service itself as the actor (`actor_id` None)."""
        email, name = normalize_email(email), clean_name(name)
        check_password(password)
        password_hash = await self._hasher.hash(password)
        now = self._clock.now()
        async with self._uow() as uow:
            existing = await uow.users.get_by_email(email)
            if existing is not None and existing.is_admin:
                return existing
            if existing is None:
                admin = await uow.users.add(
                    NewUser(
                        email=email, name=name, phone=None, role=Role.ADMIN, created_at=now, password_hash=password_hash
                    )
                )
            else:
                await uow.users.set_role(existing.id, Role.ADMIN)
                admin = msgspec.structs.replace(existing, role=Role.ADMIN)
            await record(
                uow,
                at=now,
                actor_id=None,
                action=AuditAction.ADMIN_BOOTSTRAP,
                target_id=admin.id,
                details={"email": email, "change": "created" if existing is None else "promoted"},
            )
            await uow.commit()
        return admin

    async def request_otp(self, raw_destination: str) -> int:
        """Issue a code; returns its lifetime in seconds."""
        destination = normalize_destination(raw_destination)
        policy = self._otp_policy
        now = self._clock.now()
        code = new_code()
        async with self._uow() as uow:
            latest = await uow.otp_codes.latest(destination)
            if latest is not None:
                locked = latest.failed_attempts >= policy.max_failed_attempts and latest.expires_at > now
                if locked:
                    raise TooManyRequests(
                        "too many wrong codes; request a new code later",
                        retry_after_seconds=_seconds(latest.expires_at - now),
                        field="destination",
                    )
                next_allowed = latest.created_at + policy.min_interval
                if next_allowed > now:
                    raise TooManyRequests(
                        "a code was sent moments ago; wait before asking again",
                        retry_after_seconds=_seconds(next_allowed - now),
                        field="destination",
                    )
            if await uow.otp_codes.count_since(destination, now - policy.window) >= policy.max_per_window:
                raise TooManyRequests(
                    "too many codes requested for this destination",
                    retry_after_seconds=_seconds(policy.window),
                    field="destination",
                )
            await uow.otp_codes.add(
                NewOtpChallenge(
                    destination=destination,
                    code_hash=self._otp_hasher.hash(destination, code),
                    created_at=now,
                    expires_at=now + policy.code_ttl,
                )
            )
            await uow.commit()
        # Sent after commit: a code the database does not know would be useless to the user.
        await self._otp_sender.send(destination, code)
        return _seconds(policy.code_ttl)

    async def verify_otp(self, raw_destination: str, code: str) -> User:
        destination = normalize_destination(raw_destination)
        policy = self._otp_policy
        now = self._clock.now()
        async with self._uow() as uow:
            challenge = await uow.otp_codes.latest(destination)
            if challenge is None or challenge.consumed_at is not None:
                raise NotAuthenticated("no active code for this destination; request a new one")
            if challenge.failed_attempts >= policy.max_failed_attempts:
                raise TooManyRequests(
                    "too many wrong codes; request a new code later",
                    retry_after_seconds=_seconds(max(challenge.expires_at - now, policy.min_interval)),
                    field="code",
                )
            if challenge.expires_at <= now:
                raise NotAuthenticated("the code has expired; request a new one", field="code")
            if not self._otp_hasher.matches(challenge, code.strip()):
                await uow.otp_codes.record_failure(challenge.id)
                await uow.commit()
                raise NotAuthenticated("wrong code", field="code")
            await uow.otp_codes.consume(challenge.id, now)
            user = await self._find_or_create_user(uow, destination, now)
            await uow.commit()
        return user

    async def _find_or_create_user(self, uow: UnitOfWork, destination: str, now: datetime) -> User:
        if is_phone(destination):
            user = await uow.users.get_by_phone(destination)
            new = NewUser(
                email=None, name=destination, phone=destination, role=Role.USER, created_at=now, password_hash=None
            )
        else:
            user = await uow.users.get_by_email(destination)
            new = NewUser(
                email=destination,
                name=destination.split("@")[0],
                phone=None,
                role=Role.USER,
                created_at=now,
                password_hash=None,
            )
        return user if user is not None else await uow.users.add(new)

    async def _decoy(self) -> str:
        if self._decoy_hash is None:
            self._decoy_hash = await self._hasher.hash(_TIMING_DECOY_PASSWORD)
        return self._decoy_hash


def _with_hash(user: NewUser, password_hash: str) -> NewUser:
    return msgspec.structs.replace(user, password_hash=password_hash)


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))
