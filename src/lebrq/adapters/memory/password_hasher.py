from __future__ import annotations

import hashlib
import hmac
import secrets


class FastPasswordHasher:
    """Salted SHA-256: the PasswordHasher contract without Argon2's cost, for domain
    tests. Never wired in production (bootstrap uses Argon2PasswordHasher)."""

    async def hash(self, password: str) -> str:
        salt = secrets.token_hex(8)
        return f"fast${salt}${hashlib.sha256((salt + password).encode()).hexdigest()}"

    async def verify(self, password_hash: str, password: str) -> bool:
        try:
            _, salt, digest = password_hash.split("$")
        except ValueError:
            return False
        return hmac.compare_digest(digest, hashlib.sha256((salt + password).encode()).hexdigest())
