"""Sign-up, sign-in and one-time codes, on in-memory adapters with a hand-moved clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lebrq.adapters.memory.password_hasher import FastPasswordHasher
from lebrq.adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from lebrq.adapters.system.clock import FixedClock
from lebrq.domain.model.errors import Conflict, Forbidden, InvalidInput, NotAuthenticated, TooManyRequests
from lebrq.domain.model.otp import OtpCodeHasher, OtpPolicy
from lebrq.domain.model.outbox import Channel, MessageKind
from lebrq.domain.model.sessions import Grant
from lebrq.domain.model.throttling import Limit
from lebrq.domain.model.users import NewUser, Role, User
from lebrq.domain.services.accounts import AccountService
from lebrq.domain.services.auth import AuthService
from lebrq.domain.services.bookings import BookingService
from lebrq.domain.services.notifications import Notifier
from lebrq.domain.services.programs import ProgramService
from lebrq.domain.services.sessions import SessionService
from lebrq.domain.services.throttles import ThrottlePolicy, Throttles
from tests.support.factories import RegistrationFactory
from tests.support.invoicing import make_issuer

pytestmark = pytest.mark.anyio

PHONE = "+919876543210"


class QueuedCodes:
    """Reads the codes queued in the (memory) outbox: what the dispatcher would send."""

    def __init__(self, uow: MemoryUnitOfWorkFactory) -> None:
        self._messages = uow.store.table("outbox_messages")

    def last_code(self, destination: str) -> str:
        queued = [
            m for m in self._messages.values() if m.kind is MessageKind.ONE_TIME_CODE and m.recipient == destination
        ]
        return max(queued, key=lambda m: m.id).params["code"]


class World:
    def __init__(self) -> None:
        self.clock = FixedClock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
        self.uow = MemoryUnitOfWorkFactory()
        self.sender = QueuedCodes(self.uow)
        self.sessions = SessionService(self.uow, self.clock)
        throttles = Throttles(self.uow, self.clock)
        limits = ThrottlePolicy(
            login_per_account=Limit(3, timedelta(minutes=15)),
            login_per_address=None,
            register_per_address=Limit(20, timedelta(hours=1)),
            otp_per_address=None,
        )
        hasher = FastPasswordHasher()
        self.auth = AuthService(
            uow=self.uow,
            hasher=hasher,
            notifier=Notifier(channels=frozenset(Channel), seller_name="LeBRQ"),
            clock=self.clock,
            otp_hasher=OtpCodeHasher(b"unit-test-key"),
            sessions=self.sessions,
            throttles=throttles,
            throttle_policy=limits,
            otp_policy=OtpPolicy(),
        )
        self.accounts = AccountService(
            uow=self.uow,
            hasher=hasher,
            clock=self.clock,
            sessions=self.sessions,
            throttles=throttles,
            bookings=BookingService(self.uow, self.clock, make_issuer()),
            programs=ProgramService(self.uow, self.clock),
            throttle_policy=limits,
        )

    async def user(self, grant: Grant) -> User:
        return await self.auth.get_user(grant.user_id)

    async def otp_sign_in(self, destination: str) -> Grant:
        self.clock.advance(minutes=1)  # past the per-destination interval between codes
        await self.auth.request_otp(destination)
        return await self.auth.verify_otp(destination, self.sender.last_code(destination))

    async def is_active(self, grant: Grant) -> bool:
        state = await self.sessions.state(grant.session_id, fresh=True)
        return state is not None and state.active

    def wrong_code(self, destination: str) -> str:
        right = self.sender.last_code(destination)
        return f"{(int(right) + 1) % 1_000_000:06d}"


@pytest.fixture
def world() -> World:
    return World()


async def test_registered_user_signs_in_with_the_same_password(world: World) -> None:
    data = RegistrationFactory.build(email="Asha@Example.COM")
    user = await world.auth.register(email=data.email, password=data.password, name=data.name, phone=data.phone)
    assert user.email == "asha@example.com" and user.role is Role.USER
    assert user.password_hash and data.password not in user.password_hash
    signed_in = await world.auth.sign_in_with_password(email="asha@example.com", password=data.password)
    assert signed_in.user_id == user.id


async def test_wrong_password_and_unknown_email_are_the_same_refusal(world: World) -> None:
    data = RegistrationFactory.build()
    await world.auth.register(email=data.email, password=data.password, name=data.name)
    with pytest.raises(NotAuthenticated) as wrong:
        await world.auth.sign_in_with_password(email=data.email, password=data.password + "x")
    with pytest.raises(NotAuthenticated) as unknown:
        await world.auth.sign_in_with_password(email="nobody@example.com", password=data.password)
    assert wrong.value.message == unknown.value.message


async def test_an_email_registers_once_and_a_phone_waits_unproven(world: World) -> None:
    data = RegistrationFactory.build()
    first = await world.auth.register(email=data.email, password=data.password, name=data.name, phone=data.phone)
    with pytest.raises(Conflict) as by_email:
        await world.auth.register(email=data.email.upper(), password=data.password, name="Other")
    assert by_email.value.field == "email"
    # Nobody proved the phone: it is not the account's yet, and claiming it blocks no one.
    assert (first.phone, first.pending_phone, first.phone_verified) == (None, data.phone, False)
    await world.auth.register(email="other@example.com", password=data.password, name="Other", phone=data.phone)
    grant = await world.otp_sign_in(data.phone)
    assert grant.user_id not in (first.id,)
    assert (await world.user(grant)).phone_verified


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password": "short"}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"name": "   "}, "name"),
        ({"phone": "12345"}, "phone"),
    ],
)
async def test_bad_registration_names_the_field_and_stores_nothing(world: World, overrides: dict, field: str) -> None:
    data = RegistrationFactory.payload(**overrides)
    with pytest.raises(InvalidInput) as refused:
        await world.auth.register(**data)
    assert refused.value.field == field
    assert not world.uow.store.table("users")


async def test_otp_signs_in_and_creates_the_user_on_first_phone_login(world: World) -> None:
    expires_in = await world.auth.request_otp(PHONE)
    assert expires_in == 300
    user = await world.user(await world.auth.verify_otp(PHONE, world.sender.last_code(PHONE)))
    assert user.phone == PHONE
    assert (user.role, user.phone_verified, user.email_verified) == (Role.USER, True, False)
    again = await world.otp_sign_in(PHONE)
    assert again.user_id == user.id


async def test_otp_codes_are_stored_hashed(world: World) -> None:
    await world.auth.request_otp(PHONE)
    stored = next(iter(world.uow.store.table("otp_codes").values()))
    assert world.sender.last_code(PHONE) not in stored.code_hash


async def test_a_code_works_once(world: World) -> None:
    await world.auth.request_otp(PHONE)
    code = world.sender.last_code(PHONE)
    await world.auth.verify_otp(PHONE, code)
    with pytest.raises(NotAuthenticated):
        await world.auth.verify_otp(PHONE, code)


async def test_a_code_expires_after_five_minutes(world: World) -> None:
    await world.auth.request_otp(PHONE)
    world.clock.advance(minutes=5)
    with pytest.raises(NotAuthenticated, match="expired"):
        await world.auth.verify_otp(PHONE, world.sender.last_code(PHONE))


async def test_five_wrong_codes_lock_until_a_new_code_after_the_lock_expires(world: World) -> None:
    await world.auth.request_otp(PHONE)
    right = world.sender.last_code(PHONE)
    for _ in range(5):
        with pytest.raises(NotAuthenticated):
            await world.auth.verify_otp(PHONE, world.wrong_code(PHONE))
    # Locked: even the right code is refused, and so is a new code while the lock lasts.
    with pytest.raises(TooManyRequests):
        await world.auth.verify_otp(PHONE, right)
    world.clock.advance(minutes=1)
    with pytest.raises(TooManyRequests):
        await world.auth.request_otp(PHONE)
    world.clock.advance(minutes=5)
    await world.auth.request_otp(PHONE)
    user = await world.user(await world.auth.verify_otp(PHONE, world.sender.last_code(PHONE)))
    assert user.phone == PHONE


async def test_codes_are_rate_limited_per_destination(world: World) -> None:
    await world.auth.request_otp(PHONE)
    with pytest.raises(TooManyRequests) as too_soon:
        await world.auth.request_otp(PHONE)
    assert too_soon.value.retry_after_seconds == 30
    await world.auth.request_otp("+919800000001")  # another destination is not affected
    for _ in range(4):
        world.clock.advance(seconds=31)
        await world.auth.request_otp(PHONE)
    world.clock.advance(seconds=31)
    with pytest.raises(TooManyRequests, match="too many codes"):
        await world.auth.request_otp(PHONE)
    world.clock.advance(hours=1)
    await world.auth.request_otp(PHONE)


async def test_otp_by_email_signs_in_an_existing_account(world: World) -> None:
    data = RegistrationFactory.build()
    user = await world.auth.register(email=data.email, password=data.password, name=data.name)
    await world.auth.request_otp(data.email)
    assert (await world.auth.verify_otp(data.email, world.sender.last_code(data.email))).user_id == user.id


async def test_bad_destination_is_invalid_input(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        await world.auth.request_otp("call me maybe")
    assert refused.value.field == "destination"


async def test_ensure_admin_creates_the_admin_and_a_restart_changes_nothing(world: World) -> None:
    admin = await world.auth.ensure_admin(email="boss@example.com", password="long-password")
    assert admin.role is Role.ADMIN
    session = await world.auth.sign_in_with_password(email="boss@example.com", password="long-password")
    again = await world.auth.ensure_admin(email="boss@example.com", password="long-password")
    assert again.id == admin.id
    assert await world.is_active(session)


async def test_ensure_admin_takes_a_pre_registered_address_away_from_its_registrant(world: World) -> None:
    data = RegistrationFactory.build()
    squatter = await world.auth.register(email=data.email, password=data.password, name="Squatter")
    squatter_session = await world.auth.sign_in_with_password(email=data.email, password=data.password)
    promoted = await world.auth.ensure_admin(email=data.email, password="operator-password")
    assert promoted.id == squatter.id
    assert promoted.role is Role.ADMIN
    assert not await world.is_active(squatter_session)
    with pytest.raises(NotAuthenticated):
        await world.auth.sign_in_with_password(email=data.email, password=data.password)
    admin = await world.auth.sign_in_with_password(email=data.email, password="operator-password")
    assert admin.role is Role.ADMIN


async def test_a_failed_unit_of_work_leaves_nothing_behind(world: World) -> None:
    with pytest.raises(RuntimeError):
        async with world.uow() as uow:
            await uow.users.add(
                NewUser(
                    email="x@example.com",
                    name="X",
                    phone=None,
                    role=Role.USER,
                    created_at=world.clock.now(),
                    password_hash=None,
                )
            )
            raise RuntimeError("boom")
    assert not world.uow.store.table("users")


async def test_proving_an_email_takes_the_account_from_the_password_of_whoever_registered_it(world: World) -> None:
    data = RegistrationFactory.build()
    await world.auth.register(email=data.email, password=data.password, name="Attacker")
    attacker = await world.auth.sign_in_with_password(email=data.email, password=data.password)
    victim = await world.otp_sign_in(data.email)
    assert victim.user_id == attacker.user_id
    assert not await world.is_active(attacker)
    assert await world.is_active(victim)
    with pytest.raises(NotAuthenticated):
        await world.auth.sign_in_with_password(email=data.email, password=data.password)
    account = await world.user(victim)
    assert (account.email_verified, account.password_hash) == (True, None)


async def test_a_password_set_after_proving_the_email_survives_the_next_otp_sign_in(world: World) -> None:
    email = "owner@example.com"
    owner = await world.otp_sign_in(email)
    await world.accounts.change_password(owner.session_id, current_password=None, new_password="owner-password")
    world.clock.advance(minutes=2)
    await world.otp_sign_in(email)
    signed_in = await world.auth.sign_in_with_password(email=email, password="owner-password")
    assert signed_in.user_id == owner.user_id


async def test_repeated_wrong_passwords_are_refused_with_growing_locks(world: World) -> None:
    data = RegistrationFactory.build()
    await world.auth.register(email=data.email, password=data.password, name=data.name)
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            await world.auth.sign_in_with_password(email=data.email, password="wrong-password")
    with pytest.raises(TooManyRequests) as first_lock:
        await world.auth.sign_in_with_password(email=data.email, password=data.password)
    assert first_lock.value.retry_after_seconds == 15 * 60
    world.clock.advance(minutes=15)
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            await world.auth.sign_in_with_password(email=data.email, password="wrong-password")
    with pytest.raises(TooManyRequests) as second_lock:
        await world.auth.sign_in_with_password(email=data.email, password="wrong-password")
    assert second_lock.value.retry_after_seconds == 30 * 60
    world.clock.advance(minutes=30)
    assert (await world.auth.sign_in_with_password(email=data.email, password=data.password)).user_id


async def test_refresh_rotates_and_a_reused_token_ends_the_session(world: World) -> None:
    first = await world.otp_sign_in(PHONE)
    second = await world.sessions.refresh(first.refresh_token)
    assert second.session_id == first.session_id
    assert second.refresh_token != first.refresh_token
    with pytest.raises(NotAuthenticated, match="already used"):
        await world.sessions.refresh(first.refresh_token)
    assert not await world.is_active(first)
    with pytest.raises(NotAuthenticated):
        await world.sessions.refresh(second.refresh_token)


async def test_logout_ends_the_session_and_the_cached_view_within_its_ttl(world: World) -> None:
    grant = await world.otp_sign_in(PHONE)
    other_worker = SessionService(world.uow, world.clock)
    assert (await other_worker.state(grant.session_id)).active
    await world.sessions.logout(grant.refresh_token)
    assert (await other_worker.state(grant.session_id)).active  # still cached there
    world.clock.advance(seconds=30)
    assert not (await other_worker.state(grant.session_id)).active


async def test_password_change_needs_the_current_one_unless_just_signed_in_by_code(world: World) -> None:
    data = RegistrationFactory.build()
    await world.auth.register(email=data.email, password=data.password, name=data.name)
    main = await world.auth.sign_in_with_password(email=data.email, password=data.password)
    other = await world.auth.sign_in_with_password(email=data.email, password=data.password)
    with pytest.raises(Forbidden) as missing:
        await world.accounts.change_password(main.session_id, current_password=None, new_password="new-password")
    assert missing.value.field == "current_password"
    with pytest.raises(Forbidden, match="wrong") as wrong:
        await world.accounts.change_password(main.session_id, current_password="wrong-one", new_password="x" * 9)
    assert wrong.value.field == "current_password"
    await world.accounts.change_password(main.session_id, current_password=data.password, new_password="new-password")
    assert await world.is_active(main)
    assert not await world.is_active(other)
    assert (await world.auth.sign_in_with_password(email=data.email, password="new-password")).user_id


async def test_a_code_sign_in_allows_a_reset_for_ten_minutes_only(world: World) -> None:
    grant = await world.otp_sign_in(PHONE)
    world.clock.advance(minutes=11)
    with pytest.raises(Forbidden):
        await world.accounts.change_password(grant.session_id, current_password=None, new_password="new-password")


async def test_a_deleted_account_keeps_no_personal_data_and_cannot_sign_in(world: World) -> None:
    data = RegistrationFactory.build()
    await world.auth.register(email=data.email, password=data.password, name=data.name)
    grant = await world.auth.sign_in_with_password(email=data.email, password=data.password)
    await world.accounts.delete_account(grant.session_id)
    erased = await world.user(grant)
    assert (erased.email, erased.phone, erased.name, erased.password_hash) == (None, None, "Deleted user", None)
    assert not await world.is_active(grant)
    with pytest.raises(NotAuthenticated):
        await world.auth.sign_in_with_password(email=data.email, password=data.password)


async def test_a_disabled_user_cannot_sign_in_by_password_or_code(world: World) -> None:
    grant = await world.otp_sign_in(PHONE)
    async with world.uow() as uow:
        await uow.users.set_disabled(grant.user_id, True)
        await uow.commit()
    assert not await world.is_active(grant)
    world.clock.advance(minutes=1)
    await world.auth.request_otp(PHONE)
    with pytest.raises(NotAuthenticated, match="disabled"):
        await world.auth.verify_otp(PHONE, world.sender.last_code(PHONE))
