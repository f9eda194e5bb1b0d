"""Sign-up, sign-in and one-time codes, on in-memory adapters with a hand-moved clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lebrq.adapters.memory.otp_sender import RecordingOtpSender
from lebrq.adapters.memory.password_hasher import FastPasswordHasher
from lebrq.adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from lebrq.adapters.system.clock import FixedClock
from lebrq.domain.auth import AuthService
from lebrq.domain.errors import Conflict, InvalidInput, NotAuthenticated, TooManyRequests
from lebrq.domain.otp import OtpCodeHasher, OtpPolicy
from lebrq.domain.users import NewUser, Role
from tests.support.factories import RegistrationFactory

pytestmark = pytest.mark.anyio

PHONE = "+919876543210"


class World:
    def __init__(self) -> None:
        self.clock = FixedClock(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
        self.sender = RecordingOtpSender()
        self.uow = MemoryUnitOfWorkFactory()
        self.auth = AuthService(
            uow=self.uow,
            hasher=FastPasswordHasher(),
            otp_sender=self.sender,
            clock=self.clock,
            otp_hasher=OtpCodeHasher(b"unit-test-key"),
            otp_policy=OtpPolicy(),
        )

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
    signed_in = await world.auth.authenticate(email="asha@example.com", password=data.password)
    assert signed_in.id == user.id


async def test_wrong_password_and_unknown_email_are_the_same_refusal(world: World) -> None:
    data = RegistrationFactory.build()
    await world.auth.register(email=data.email, password=data.password, name=data.name)
    with pytest.raises(NotAuthenticated) as wrong:
        await world.auth.authenticate(email=data.email, password=data.password + "x")
    with pytest.raises(NotAuthenticated) as unknown:
        await world.auth.authenticate(email="nobody@example.com", password=data.password)
    assert wrong.value.message == unknown.value.message


async def test_an_email_or_phone_registers_once(world: World) -> None:
    data = RegistrationFactory.build()
    await world.auth.register(email=data.email, password=data.password, name=data.name, phone=data.phone)
    with pytest.raises(Conflict) as by_email:
        await world.auth.register(email=data.email.upper(), password=data.password, name="Other")
    assert by_email.value.field == "email"
    with pytest.raises(Conflict) as by_phone:
        await world.auth.register(email="other@example.com", password=data.password, name="Other", phone=data.phone)
    assert by_phone.value.field == "phone"


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
    user = await world.auth.verify_otp(PHONE, world.sender.last_code(PHONE))
    assert user.phone == PHONE and user.role is Role.USER
    world.clock.advance(minutes=1)
    await world.auth.request_otp(PHONE)
    again = await world.auth.verify_otp(PHONE, world.sender.last_code(PHONE))
    assert again.id == user.id


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
    user = await world.auth.verify_otp(PHONE, world.sender.last_code(PHONE))
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
    assert (await world.auth.verify_otp(data.email, world.sender.last_code(data.email))).id == user.id


async def test_bad_destination_is_invalid_input(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        await world.auth.request_otp("call me maybe")
    assert refused.value.field == "destination"


async def test_ensure_admin_creates_then_promotes(world: World) -> None:
    admin = await world.auth.ensure_admin(email="boss@example.com", password="long-password")
    assert admin.role is Role.ADMIN
    data = RegistrationFactory.build()
    user = await world.auth.register(email=data.email, password=data.password, name=data.name)
    promoted = await world.auth.ensure_admin(email=data.email, password="ignored-password")
    assert promoted.id == user.id and promoted.role is Role.ADMIN


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
