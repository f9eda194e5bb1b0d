"""Secrets handling the domain delegates: password hashing."""

from __future__ import annotations

from typing import Protocol


class PasswordHasher(Protocol):
    """Slow, salted hashing. Implementations must not block the event loop."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str, password: str) -> bool: ...
