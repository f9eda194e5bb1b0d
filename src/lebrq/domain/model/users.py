"""Users, roles and the rules for their identifiers and passwords."""

from __future__ import annotations

import enum
import re
from datetime import datetime

import msgspec

from lebrq.domain.model.errors import InvalidInput

MIN_PASSWORD_LENGTH = 8
# Argon2 hashes whatever it is given; an unbounded password is a cheap way to burn CPU.
MAX_PASSWORD_LENGTH = 256
MAX_NAME_LENGTH = 200
# What a deleted account is called from then on (its personal data is erased).
ERASED_NAME = "Deleted user"

# Deliberately simple: one @, a dot in the domain, no spaces. Deliverability is proven by OTP.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")


class Role(str, enum.Enum):
    USER = "user"
    ADMIN = "admin"


class User(msgspec.Struct, frozen=True, gc=False):
    id: int
    email: str | None
    name: str
    phone: str | None
    role: Role
    created_at: datetime
    password_hash: str | None = None
    # An identifier is verified once a one-time code sent to it was entered.
    email_verified: bool = False
    phone_verified: bool = False
    disabled: bool = False
    # True when the password was set by someone who had proven an identifier of this
    # account (or by the operator). An untrusted password is cleared the moment
    # somebody proves the account's email: it may be a squatter's (pre-hijacking).
    password_trusted: bool = False
    # A phone given at registration waits here until proven; only `phone` signs in.
    pending_phone: str | None = None
    deleted_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def has_verified_identifier(self) -> bool:
        return self.email_verified or self.phone_verified

    @property
    def may_sign_in(self) -> bool:
        return not self.disabled and self.deleted_at is None


class NewUser(msgspec.Struct, frozen=True, gc=False):
    email: str | None
    name: str
    phone: str | None
    role: Role
    created_at: datetime
    password_hash: str | None
    email_verified: bool = False
    phone_verified: bool = False
    password_trusted: bool = False
    pending_phone: str | None = None


def erased_fields(at: datetime) -> dict[str, object]:
    """What a deleted account keeps of its personal data (nothing): the column values
    every user repository writes on `erase`."""
    return {
        "name": ERASED_NAME,
        "email": None,
        "phone": None,
        "pending_phone": None,
        "password_hash": None,
        "password_trusted": False,
        "email_verified": False,
        "phone_verified": False,
        "disabled": True,
        "deleted_at": at,
    }


def normalize_email(raw: str, field: str = "email") -> str:
    email = raw.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidInput(f"{field} is not a valid email address", field=field)
    return email


def normalize_phone(raw: str, field: str = "phone") -> str:
    phone = re.sub(r"[\s\-()]", "", raw)
    if not _E164.match(phone):
        raise InvalidInput(f"{field} must be an E.164 phone number such as +919876543210", field=field)
    return phone


def check_password(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"{field} must have at least {MIN_PASSWORD_LENGTH} characters", field=field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"{field} must have at most {MAX_PASSWORD_LENGTH} characters", field=field)


def clean_name(raw: str) -> str:
    name = raw.strip()
    if not name:
        raise InvalidInput("name must not be empty", field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"name must have at most {MAX_NAME_LENGTH} characters", field="name")
    return name
