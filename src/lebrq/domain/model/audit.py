"""The audit log: a record of every change an administrator (or the service itself, at
start-up) made, written in the same transaction as the change, so the log never claims
a change that was rolled back and never misses one that was committed.

`details` hold what an operator needs to understand the change (the fields sent, the
old and new role, the file's name and hash), never a password, token or code: callers
pass values they chose explicitly, and `record` drops any key that names a secret.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from lebrq.domain.model.bookings import check_window
from lebrq.domain.model.errors import InvalidInput

MAX_ACTION_LENGTH = 64
MAX_TARGET_TYPE_LENGTH = 32
# Keys never stored in details, whatever a caller passes: defence in depth for secrets.
_SECRET_KEY_PARTS = ("password", "secret", "token", "code", "hash")


class AuditAction:
    """The actions recorded, as `<target type>.<verb>`."""

    VENUE_CREATE = "venue.create"
    VENUE_UPDATE = "venue.update"
    ITEM_CREATE = "item.create"
    ITEM_UPDATE = "item.update"
    PROGRAM_CREATE = "program.create"
    PROGRAM_UPDATE = "program.update"
    PROGRAM_POSTER = "program.poster"
    PROGRAM_IMAGES = "program.images"
    BOOKING_CONFIRM = "booking.confirm"
    BOOKING_CANCEL = "booking.cancel"
    ENROLMENT_CANCEL = "enrolment.cancel"
    MEDIA_UPLOAD = "media.upload"
    USER_UPDATE = "user.update"
    ADMIN_BOOTSTRAP = "user.admin_bootstrap"


class NewAuditEntry(msgspec.Struct, frozen=True, gc=False):
    at: datetime
    # The admin who made the change; None when the service itself did (start-up bootstrap).
    actor_id: int | None
    action: str
    target_type: str
    target_id: int | None
    details: dict[str, Any]


class AuditEntry(msgspec.Struct, frozen=True, gc=False):
    id: int
    at: datetime
    actor_id: int | None
    action: str
    target_type: str
    target_id: int | None
    details: dict[str, Any]


class AuditFilter(msgspec.Struct, frozen=True, gc=False):
    actor_id: int | None = None
    action: str | None = None
    target_type: str | None = None
    target_id: int | None = None
    # `at` within [at_from, at_to).
    at_from: datetime | None = None
    at_to: datetime | None = None

    def checked(self) -> AuditFilter:
        check_window(self.at_from, self.at_to)
        if self.action is not None and not 0 < len(self.action) <= MAX_ACTION_LENGTH:
            raise InvalidInput(f"action must have 1 to {MAX_ACTION_LENGTH} characters", field="action")
        if self.target_type is not None and not 0 < len(self.target_type) <= MAX_TARGET_TYPE_LENGTH:
            raise InvalidInput(f"target_type must have 1 to {MAX_TARGET_TYPE_LENGTH} characters", field="target_type")
        return self

    def matches(self, entry: AuditEntry) -> bool:
        return (
            (self.actor_id is None or entry.actor_id == self.actor_id)
            and (self.action is None or entry.action == self.action)
            and (self.target_type is None or entry.target_type == self.target_type)
            and (self.target_id is None or entry.target_id == self.target_id)
            and (self.at_from is None or entry.at >= self.at_from)
            and (self.at_to is None or entry.at < self.at_to)
        )


def without_secrets(details: dict[str, Any]) -> dict[str, Any]:
    return {
        key: without_secrets(value) if isinstance(value, dict) else value
        for key, value in details.items()
        if not any(part in key.lower() for part in _SECRET_KEY_PARTS)
    }


def fields_sent(fields: msgspec.Struct) -> dict[str, Any]:
    """The fields of a create/update body that were sent (UNSET ones are left out, the
    field Structs omit defaults), as JSON-ready values."""
    return msgspec.to_builtins(fields)  # type: ignore[no-any-return]
