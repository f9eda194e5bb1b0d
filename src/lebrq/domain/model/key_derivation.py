"""HKDF (RFC 5869) with HMAC-SHA256: one configured secret, independent keys per use.

The access-token signing key and the one-time-code key both come from JWT_SECRET, but
through different `purpose` labels, so a key recovered from one use says nothing about
the other (and the raw secret is used for nothing directly).
"""

from __future__ import annotations

import hashlib
import hmac

_HASH_BYTES = hashlib.sha256().digest_size


def derive_key(secret: bytes, purpose: str | bytes, length: int = 32, salt: bytes = b"lebrq") -> bytes:
    if not 1 <= length <= 255 * _HASH_BYTES:
        raise ValueError("HKDF output length out of range")
    pseudo_random_key = hmac.new(salt, secret, hashlib.sha256).digest()  # extract
    info = purpose.encode() if isinstance(purpose, str) else purpose
    output = b""
    block = b""
    counter = 1
    while len(output) < length:  # expand
        block = hmac.new(pseudo_random_key, block + info + bytes([counter]), hashlib.sha256).digest()
        output += block
        counter += 1
    return output[:length]
