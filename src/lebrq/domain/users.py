"""Users, roles and the rules for their identifiers and passwords."""

from __future__ import annotations

import enum
import re
from datetime import datetime

import msgspec

from lebrq.domain.errors import InvalidInput

MIN_PASSWORD_LENGTH = 8
# Argon2 hashes whatever it is given; an unbounded password is a cheap way to burn CPU.
MAX_PASSWORD_LENGTH = 256
MAX_NAME_LENGTH = 200

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

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


class NewUser(msgspec.Struct, frozen=True, gc=False):
    email: str | None
    name: str
    phone: str | None
    role: Role
    created_at: datetime
    password_hash: str | None


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


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password must have at least {MIN_PASSWORD_LENGTH} characters", field="password")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"password must have at most {MAX_PASSWORD_LENGTH} characters", field="password")


def clean_name(raw: str) -> str:
    name = raw.strip()
    if not name:
        raise InvalidInput("name must not be empty", field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"name must have at most {MAX_NAME_LENGTH} characters", field="name")
    return name
