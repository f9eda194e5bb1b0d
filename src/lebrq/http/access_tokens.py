"""Access tokens: compact JWTs (HS256) signed and checked with the standard library.

Deliberately small instead of PyJWT: a worker never imports `cryptography` (memory),
and only one exact header is accepted, so no `alg` confusion (`none`, RS256 with the
HMAC key) is possible. The token names the user and the session; what the user may do
is read from the session (see lebrq.http.security), not trusted from the token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import time
from collections.abc import Callable
from datetime import timedelta

import msgspec

# The only header issued or accepted, byte for byte.
_HEADER = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")
# Ours are ~150 bytes; anything much longer is not ours and is not worth decoding.
MAX_TOKEN_LENGTH = 1024
_ENCODE = msgspec.json.Encoder()
_BASE64URL = re.compile(rb"[A-Za-z0-9_-]+")


class InvalidToken(ValueError):
    """Malformed, wrongly signed or expired; the message says which (never the key)."""


class AccessClaims(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    sub: str
    sid: int
    iat: int
    exp: int

    @property
    def user_id(self) -> int:
        return int(self.sub)


_DECODE = msgspec.json.Decoder(AccessClaims)


class AccessTokenCodec:
    def __init__(self, key: bytes, ttl: timedelta, now: Callable[[], float] = time.time) -> None:
        if len(key) < 32:
            raise ValueError("the access-token key must have at least 32 bytes")
        self._key = key
        self.ttl_seconds = int(ttl.total_seconds())
        self._now = now

    def encode(self, user_id: int, session_id: int) -> str:
        issued = int(self._now())
        claims = AccessClaims(sub=str(user_id), sid=session_id, iat=issued, exp=issued + self.ttl_seconds)
        signing_input = _HEADER + b"." + _b64encode(_ENCODE.encode(claims))
        return (signing_input + b"." + _b64encode(self._sign(signing_input))).decode("ascii")

    def decode(self, token: str) -> AccessClaims:
        if len(token) > MAX_TOKEN_LENGTH or not token.isascii():
            raise InvalidToken("malformed token")
        parts = token.encode("ascii").split(b".")
        if len(parts) != 3:
            raise InvalidToken("malformed token")
        header, payload, signature = parts
        if not hmac.compare_digest(header, _HEADER):
            raise InvalidToken("unsupported token header")
        if not hmac.compare_digest(_b64decode(signature), self._sign(header + b"." + payload)):
            raise InvalidToken("bad token signature")
        try:
            claims = _DECODE.decode(_b64decode(payload))
            int(claims.sub)
        except (msgspec.ValidationError, msgspec.DecodeError, ValueError):
            raise InvalidToken("malformed token claims") from None
        if claims.exp <= self._now():
            raise InvalidToken("token expired")
        return claims

    def _sign(self, signing_input: bytes) -> bytes:
        return hmac.new(self._key, signing_input, hashlib.sha256).digest()


def _b64encode(raw: bytes) -> bytes:
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


def _b64decode(segment: bytes) -> bytes:
    # Strict: only the URL-safe alphabet, no padding; the lenient decoder would skip
    # stray characters and accept several spellings of one token.
    if not _BASE64URL.fullmatch(segment):
        raise InvalidToken("malformed token")
    try:
        return base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise InvalidToken("malformed token") from None
