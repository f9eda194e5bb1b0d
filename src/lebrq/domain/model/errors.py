"""Errors a use case raises when a business rule refuses a request.

The HTTP layer maps each class to one status code in one place (`lebrq.http.errors`);
the domain never speaks HTTP.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule refused the request. `field` names the offending input when there is one."""

    def __init__(self, message: str, *, field: str | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}


class InvalidInput(DomainError):
    """The request is well-formed but a value breaks a rule (bad email, end before start...)."""


class NotAuthenticated(DomainError):
    """Credentials are missing or wrong."""


class Forbidden(DomainError):
    """The caller is known but may not do this."""


class NotFound(DomainError):
    """No such resource, or not one the caller may see (no existence leak)."""


class Conflict(DomainError):
    """The request clashes with the current state (slot taken, email registered...)."""


class TooManyRequests(DomainError):
    """Asked too often; `retry_after_seconds` says when to try again."""

    def __init__(self, message: str, *, retry_after_seconds: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.retry_after_seconds = max(1, retry_after_seconds)


class Unavailable(DomainError):
    """A resource the request needs is saturated or down for a moment (503); try again in
    `retry_after_seconds`."""

    def __init__(self, message: str, *, retry_after_seconds: int, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message, extra=extra)
        self.retry_after_seconds = max(1, retry_after_seconds)


class PayloadTooLarge(DomainError):
    """More bytes than the limit for this kind of input."""


class UnsupportedMediaType(DomainError):
    """The bytes are not of a type this route accepts."""


class DependencyUnavailable(Unavailable):
    """Something the request needs (the database, file storage) cannot be reached right
    now. Nothing was changed: the caller may retry after `retry_after_seconds`."""

    def __init__(self, dependency: str, *, retry_after_seconds: int = 5) -> None:
        super().__init__(
            f"the {dependency} is unavailable; try again shortly",
            retry_after_seconds=retry_after_seconds,
            extra={"dependency": dependency},
        )
        self.dependency = dependency
