"""The user and one-time-code repository contract, on memory, SQLite and MariaDB."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from lebrq.domain.model.errors import Conflict
from lebrq.domain.model.otp import NewOtpChallenge
from lebrq.domain.model.users import NewUser, Role
from lebrq.ports.unit_of_work import UnitOfWorkFactory
from tests.support.factories import RegistrationFactory

pytestmark = pytest.mark.anyio

T0 = datetime(2026, 12, 1, 10, 0, 0, 123456, tzinfo=UTC)


def new_user(**overrides: object) -> NewUser:
    data = RegistrationFactory.build()
    fields = {
        "email": data.email,
        "name": data.name,
        "phone": data.phone,
        "role": Role.USER,
        "created_at": T0,
        "password_hash": "hash",
    }
    fields.update(overrides)
    return NewUser(**fields)  # type: ignore[arg-type]


async def test_added_user_reads_back_identically(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        added = await uow.users.add(new_user())
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        assert await uow.users.get(added.id) == added
        assert await uow.users.get_by_email(added.email) == added
        assert await uow.users.get_by_phone(added.phone) == added
        assert await uow.users.get(added.id + 1000) is None
    assert added.created_at == T0  # microseconds and UTC survive the round trip


async def test_duplicate_email_and_phone_are_conflicts_naming_the_field(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        first = await uow.users.add(new_user())
        await uow.commit()
    async with contract_uow() as uow:
        with pytest.raises(Conflict) as by_email:
            await uow.users.add(new_user(email=first.email))
        with pytest.raises(Conflict) as by_phone:
            await uow.users.add(new_user(phone=first.phone))
        # The unit of work stays usable after a refused insert.
        other = await uow.users.add(new_user())
        await uow.commit()
    assert (by_email.value.field, by_phone.value.field) == ("email", "phone")
    async with contract_uow(read_only=True) as uow:
        assert await uow.users.get(other.id) is not None


async def test_users_without_email_or_phone_do_not_collide(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        await uow.users.add(new_user(email=None))
        await uow.users.add(new_user(email=None))
        await uow.users.add(new_user(phone=None))
        await uow.users.add(new_user(phone=None))
        await uow.commit()


async def test_uncommitted_work_is_rolled_back(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        added = await uow.users.add(new_user())
    async with contract_uow(read_only=True) as uow:
        assert await uow.users.get(added.id) is None


async def test_work_is_rolled_back_when_the_block_fails(contract_uow: UnitOfWorkFactory) -> None:
    with pytest.raises(RuntimeError):
        async with contract_uow() as uow:
            added = await uow.users.add(new_user())
            raise RuntimeError("use case failed")
    async with contract_uow(read_only=True) as uow:
        assert await uow.users.get(added.id) is None


async def test_set_role(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        added = await uow.users.add(new_user())
        await uow.users.set_role(added.id, Role.ADMIN)
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        assert (await uow.users.get(added.id)).role is Role.ADMIN


async def test_otp_challenges(contract_uow: UnitOfWorkFactory) -> None:
    destination = "+919876543210"
    async with contract_uow() as uow:
        older = await uow.otp_codes.add(
            NewOtpChallenge(
                destination=destination, code_hash="a" * 64, created_at=T0, expires_at=T0 + timedelta(minutes=5)
            )
        )
        newer = await uow.otp_codes.add(
            NewOtpChallenge(
                destination=destination,
                code_hash="b" * 64,
                created_at=T0 + timedelta(minutes=1),
                expires_at=T0 + timedelta(minutes=6),
            )
        )
        await uow.otp_codes.add(
            NewOtpChallenge(destination="x@example.com", code_hash="c" * 64, created_at=T0, expires_at=T0)
        )
        await uow.commit()
    async with contract_uow() as uow:
        latest = await uow.otp_codes.latest(destination)
        assert latest == newer and latest.failed_attempts == 0 and latest.consumed_at is None
        assert await uow.otp_codes.count_since(destination, T0) == 2
        assert await uow.otp_codes.count_since(destination, T0 + timedelta(seconds=1)) == 1
        assert await uow.otp_codes.latest("+910000000000") is None
        assert await uow.otp_codes.count_attempt(newer.id) == 1
        assert await uow.otp_codes.count_attempt(newer.id) == 2
        assert await uow.otp_codes.consume(newer.id, T0 + timedelta(minutes=2))
        assert not await uow.otp_codes.consume(newer.id, T0 + timedelta(minutes=3))  # used once only
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        latest = await uow.otp_codes.latest(destination)
        assert latest.failed_attempts == 2 and latest.consumed_at == T0 + timedelta(minutes=2)
        assert older.id != newer.id
        # At most 3 per code counted: 2 (newer) + 0 (older); none for other destinations.
        assert await uow.otp_codes.failures_since(destination, T0, 3) == 2
        assert await uow.otp_codes.failures_since(destination, T0, 1) == 1
        assert await uow.otp_codes.failures_since("+910000000000", T0, 3) == 0


async def test_account_state_changes_read_back(contract_uow: UnitOfWorkFactory) -> None:
    async with contract_uow() as uow:
        user = await uow.users.add(new_user(phone=None, pending_phone="+919900000001"))
        other = await uow.users.add(new_user())
        await uow.commit()
    assert (user.email_verified, user.phone_verified, user.disabled, user.password_trusted) == (False,) * 4
    async with contract_uow() as uow:
        await uow.users.mark_email_verified(user.id)
        await uow.users.set_verified_phone(user.id, "+919900000001")
        await uow.users.set_password(user.id, "new-hash", trusted=True)
        await uow.users.set_disabled(user.id, True)
        with pytest.raises(Conflict) as taken:
            await uow.users.set_verified_phone(user.id, other.phone)
        await uow.commit()
    assert taken.value.field == "phone"
    async with contract_uow(read_only=True) as uow:
        changed = await uow.users.get(user.id)
    assert changed is not None
    assert (changed.email_verified, changed.phone_verified, changed.disabled) == (True, True, True)
    assert (changed.phone, changed.pending_phone, changed.password_hash, changed.password_trusted) == (
        "+919900000001",
        None,
        "new-hash",
        True,
    )


async def test_cleared_password_is_never_trusted_and_erase_removes_personal_data(
    contract_uow: UnitOfWorkFactory,
) -> None:
    async with contract_uow() as uow:
        user = await uow.users.add(new_user())
        await uow.users.set_password(user.id, None, trusted=True)
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        cleared = await uow.users.get(user.id)
    assert cleared is not None
    assert (cleared.password_hash, cleared.password_trusted) == (None, False)
    async with contract_uow() as uow:
        await uow.users.erase(user.id, T0)
        await uow.commit()
    async with contract_uow(read_only=True) as uow:
        erased = await uow.users.get(user.id)
        assert await uow.users.get_by_email(user.email) is None
    assert erased is not None
    assert (erased.email, erased.phone, erased.name, erased.deleted_at, erased.disabled) == (
        None,
        None,
        "Deleted user",
        T0,
        True,
    )
