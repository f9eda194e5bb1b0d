"""Sign-up and sign-in use cases: password accounts, one-time codes, admins.

Who owns an account: whoever proves one of its identifiers. Registering an email
proves nothing, so a password set by a registrant who never proved the email is
taken away (and its sessions ended) the moment someone proves that email by one-time
code: an attacker who pre-registers a victim's address gains nothing.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import msgspec

from lebrq.domain.model.audit import AuditAction
from lebrq.domain.model.errors import InvalidInput, NotAuthenticated, NotFound, TooManyRequests
from lebrq.domain.model.otp import (
    NewOtpChallenge,
    OtpCodeHasher,
    OtpPolicy,
    is_phone,
    new_code,
    normalize_destination,
)
from lebrq.domain.model.sessions import Grant, SignInMethod
from lebrq.domain.model.throttling import forget, refund_attempt
from lebrq.domain.model.users import NewUser, Role, User, check_password, clean_name, normalize_email, normalize_phone
from lebrq.domain.services.audit import record
from lebrq.domain.services.notifications import Notifier
from lebrq.domain.services.sessions import SessionService
from lebrq.domain.services.throttles import ThrottlePolicy, Throttles, ThrottleScope, key
from lebrq.ports.clock import Clock
from lebrq.ports.security import PasswordHasher
from lebrq.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory

# Verified against when the email is unknown, so a miss costs the same time as a wrong
# password and response times do not reveal which emails are registered.
_TIMING_DECOY_PASSWORD = "not-a-real-password-decoy"
WRONG_CREDENTIALS = "wrong email or password"
ACCOUNT_DISABLED = "this account is disabled"


class AuthService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        hasher: PasswordHasher,
        notifier: Notifier,
        clock: Clock,
        otp_hasher: OtpCodeHasher,
        sessions: SessionService,
        throttles: Throttles,
        throttle_policy: ThrottlePolicy | None = None,
        otp_policy: OtpPolicy | None = None,
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._notifier = notifier
        self._clock = clock
        self._otp_hasher = otp_hasher
        self._sessions = sessions
        self._throttles = throttles
        self._limits = throttle_policy or ThrottlePolicy()
        self._otp_policy = otp_policy or OtpPolicy()
        self._decoy_hash: str | None = None

    async def register(
        self, *, email: str, password: str, name: str, phone: str | None = None, address: str = ""
    ) -> User:
        """A password account. Its email is unproven until a one-time code sent to it is
        entered; a phone given here waits (`pending_phone`) until proven the same way."""
        new_user = NewUser(
            email=normalize_email(email),
            name=clean_name(name),
            phone=None,
            pending_phone=normalize_phone(phone) if phone else None,
            role=Role.USER,
            created_at=self._clock.now(),
            password_hash=None,
        )
        check_password(password)
        await self._throttles.attempt(
            [(key(ThrottleScope.REGISTER_ADDRESS, address), self._limits.register_per_address)],
            "too many registrations from this address; try again later",
        )
        # Hash before the transaction: a slow hash must not hold a connection.
        password_hash = await self._hasher.hash(password)
        async with self._uow() as uow:
            user = await uow.users.add(_with(new_user, password_hash=password_hash))
            await uow.commit()
        return user

    async def sign_in_with_password(self, *, email: str, password: str, address: str = "") -> Grant:
        """Every attempt counts against the account and the client address before any
        hashing (so a throttled attacker costs no Argon2 work); a success takes its
        attempt back."""
        account = email.strip().lower()
        account_key = key(ThrottleScope.LOGIN_ACCOUNT, account)
        address_key = key(ThrottleScope.LOGIN_ADDRESS, address)
        await self._throttles.attempt(
            [(account_key, self._limits.login_per_account), (address_key, self._limits.login_per_address)],
            "too many sign-in attempts; try again later",
        )
        try:
            account = normalize_email(email)
        except InvalidInput:
            raise NotAuthenticated(WRONG_CREDENTIALS) from None
        async with self._uow(read_only=True) as uow:
            user = await uow.users.get_by_email(account)
        if user is None or user.password_hash is None:
            await self._hasher.verify(await self._decoy(), password)
            raise NotAuthenticated(WRONG_CREDENTIALS)
        if not await self._hasher.verify(user.password_hash, password):
            raise NotAuthenticated(WRONG_CREDENTIALS)
        if not user.may_sign_in:
            raise NotAuthenticated(ACCOUNT_DISABLED)
        now = self._clock.now()
        await self._throttles.change(account_key, self._limits.login_per_account, lambda s: forget(s, now))
        await self._throttles.change(address_key, self._limits.login_per_address, refund_attempt)
        async with self._uow() as uow:
            grant = await self._sessions.start(uow, user, SignInMethod.PASSWORD)
            await uow.commit()
        return grant

    async def get_user(self, user_id: int) -> User:
        async with self._uow(read_only=True) as uow:
            user = await uow.users.get(user_id)
        if user is None:
            raise NotFound("user not found")
        return user

    async def ensure_admin(self, *, email: str, password: str, name: str = "Administrator") -> User:
        """The operator's admin account (ADMIN_EMAIL/ADMIN_PASSWORD, `create-admin`).
        An existing account with that email becomes admin only together with the
        configured password, and every session it had ends: whoever registered the
        address first keeps nothing. Already so (a restart): nothing changes."""
        email, name = normalize_email(email), clean_name(name)
        check_password(password)
        async with self._uow(read_only=True) as uow:
            existing = await uow.users.get_by_email(email)
        if (
            existing is not None
            and existing.is_admin
            and existing.password_trusted
            and existing.may_sign_in
            and existing.password_hash is not None
            and await self._hasher.verify(existing.password_hash, password)
        ):
            return existing
        password_hash = await self._hasher.hash(password)
        now = self._clock.now()
        async with self._uow() as uow:
            existing = await uow.users.get_by_email(email)
            if existing is None:
                user = await uow.users.add(
                    NewUser(
                        email=email,
                        name=name,
                        phone=None,
                        role=Role.ADMIN,
                        created_at=now,
                        password_hash=password_hash,
                        password_trusted=True,
                    )
                )
            else:
                await uow.users.set_password(existing.id, password_hash, trusted=True)
                await uow.users.set_role(existing.id, Role.ADMIN)
                await uow.users.set_disabled(existing.id, False)
                await self._sessions.revoke_all_of_user(existing.id, uow=uow)
                user = existing
            # The change (not a start that finds the admin in place) is in the audit log,
            # same transaction, the service itself as the actor (`actor_id` None).
            await record(
                uow,
                at=now,
                actor_id=None,
                action=AuditAction.ADMIN_BOOTSTRAP,
                target_id=user.id,
                details={"email": email, "change": _bootstrap_change(existing)},
            )
            await uow.commit()
        return await self.get_user(user.id)

    async def request_otp(self, raw_destination: str, *, address: str = "") -> int:
        """Issue a code; returns its lifetime in seconds."""
        destination = normalize_destination(raw_destination)
        await self._throttles.attempt(
            [(key(ThrottleScope.OTP_ADDRESS, address), self._limits.otp_per_address)],
            "too many one-time codes asked from this address; try again later",
        )
        policy = self._otp_policy
        now = self._clock.now()
        code = new_code()
        async with self._uow() as uow:
            latest = await uow.otp_codes.latest(destination)
            if latest is not None:
                if latest.is_locked(policy, now):
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
            day_ago = now - timedelta(days=1)
            if await uow.otp_codes.failures_since(destination, day_ago, policy.max_failed_attempts) >= (
                policy.max_failures_per_day
            ):
                raise TooManyRequests(
                    "too many wrong codes for this destination today; try again tomorrow",
                    retry_after_seconds=_seconds(timedelta(days=1)),
                    field="destination",
                )
            challenge = await uow.otp_codes.add(
                NewOtpChallenge(
                    destination=destination,
                    code_hash=self._otp_hasher.hash(destination, code),
                    created_at=now,
                    expires_at=now + policy.code_ttl,
                )
            )
            # Queued in the same transaction: the code is sent exactly when it is valid.
            await self._notifier.one_time_code(uow, destination, code, created_at=now, expires_at=challenge.expires_at)
            await uow.commit()
        self._notifier.wake()
        return _seconds(policy.code_ttl)

    async def verify_otp(self, raw_destination: str, code: str, *, address: str = "") -> Grant:
        """Signs in whoever holds the code: to the account with that identifier (which
        is then proven), or to a new one."""
        destination = normalize_destination(raw_destination)
        await self._throttles.attempt(
            [(key(ThrottleScope.OTP_ADDRESS, address), self._limits.otp_per_address)],
            "too many one-time codes tried from this address; try again later",
        )
        policy = self._otp_policy
        now = self._clock.now()
        async with self._uow() as uow:
            challenge = await uow.otp_codes.latest(destination)
            if challenge is None or challenge.consumed_at is not None:
                raise NotAuthenticated("no active code for this destination; request a new one")
            # Counted before comparing, by an atomic increment that locks the row: of
            # any number of parallel guesses, each is counted and at most
            # max_failed_attempts are ever compared.
            attempts = await uow.otp_codes.count_attempt(challenge.id)
            if attempts > policy.max_failed_attempts:
                await uow.commit()
                raise TooManyRequests(
                    "too many wrong codes; request a new code later",
                    retry_after_seconds=_seconds(max(challenge.expires_at - now, policy.min_interval)),
                    field="code",
                )
            if challenge.expires_at <= now:
                await uow.commit()
                raise NotAuthenticated("the code has expired; request a new one", field="code")
            if not self._otp_hasher.matches(challenge, code.strip()):
                await uow.commit()
                raise NotAuthenticated("wrong code", field="code")
            if not await uow.otp_codes.consume(challenge.id, now):
                raise NotAuthenticated("no active code for this destination; request a new one")
            user = await self._prove(uow, destination, now)
            grant = await self._sessions.start(uow, user, SignInMethod.OTP)
            await uow.commit()
        return grant

    async def _prove(self, uow: UnitOfWork, destination: str, now: datetime) -> User:
        """The account `destination` belongs to, now proven; a new one if none."""
        phone = is_phone(destination)
        user = await (uow.users.get_by_phone(destination) if phone else uow.users.get_by_email(destination))
        if user is None:
            return await uow.users.add(
                NewUser(
                    email=None if phone else destination,
                    name=destination if phone else destination.split("@")[0],
                    phone=destination if phone else None,
                    role=Role.USER,
                    created_at=now,
                    password_hash=None,
                    email_verified=not phone,
                    phone_verified=phone,
                )
            )
        if not user.may_sign_in:
            raise NotAuthenticated(ACCOUNT_DISABLED)
        if user.password_hash is not None and not user.password_trusted:
            # Set by someone who never proved this account was theirs: it stops working,
            # and so does every session it opened. The prover may set a password now.
            await uow.users.set_password(user.id, None, trusted=False)
            await self._sessions.revoke_all_of_user(user.id, uow=uow)
        if phone and not user.phone_verified:
            await uow.users.set_verified_phone(user.id, destination)
        if not phone and not user.email_verified:
            await uow.users.mark_email_verified(user.id)
        refreshed = await uow.users.get(user.id)
        assert refreshed is not None
        return refreshed

    async def _decoy(self) -> str:
        if self._decoy_hash is None:
            self._decoy_hash = await self._hasher.hash(_TIMING_DECOY_PASSWORD)
        return self._decoy_hash


def _with(user: NewUser, **changes: object) -> NewUser:
    return msgspec.structs.replace(user, **changes)


def _seconds(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds()))


def _bootstrap_change(existing: User | None) -> str:
    if existing is None:
        return "created"
    return "password reset" if existing.is_admin else "promoted"
