"""polyfactory factories for the test data of users and auth."""

from __future__ import annotations

import itertools

import msgspec
from polyfactory import Use
from polyfactory.factories.msgspec_factory import MsgspecFactory

_serial = itertools.count(1)


class Registration(msgspec.Struct):
    email: str
    password: str
    name: str
    phone: str | None = None


class RegistrationFactory(MsgspecFactory[Registration]):
    """Valid sign-up data: unique email and phone per instance."""

    email = Use(lambda: f"user{next(_serial)}@example.com")
    password = Use(lambda: MsgspecFactory.__faker__.password(length=12))
    name = Use(lambda: MsgspecFactory.__faker__.name())
    phone = Use(lambda: f"+9198{next(_serial):08d}")

    @classmethod
    def payload(cls, **overrides: object) -> dict[str, object]:
        return msgspec.structs.asdict(cls.build(**overrides))
