"""The HS256 access-token codec: what it issues it accepts, and nothing else."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta

import pytest

from lebrq.http.access_tokens import AccessTokenCodec, InvalidToken

KEY = b"k" * 32


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def signed(header: dict, claims: dict, key: bytes = KEY) -> str:
    signing_input = f"{b64(json.dumps(header, separators=(',', ':')).encode())}.{b64(json.dumps(claims).encode())}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def codec(clock: Clock) -> AccessTokenCodec:
    return AccessTokenCodec(KEY, timedelta(minutes=15), now=clock)


def test_an_issued_token_decodes_to_its_user_and_session(codec: AccessTokenCodec) -> None:
    claims = codec.decode(codec.encode(user_id=7, session_id=42))
    assert (claims.user_id, claims.sid, claims.exp - claims.iat) == (7, 42, 900)


def test_a_token_is_refused_once_expired(codec: AccessTokenCodec, clock: Clock) -> None:
    token = codec.encode(user_id=7, session_id=42)
    clock.now += 899
    codec.decode(token)
    clock.now += 1
    with pytest.raises(InvalidToken, match="expired"):
        codec.decode(token)


def test_a_token_signed_with_another_key_is_refused(codec: AccessTokenCodec, clock: Clock) -> None:
    other = AccessTokenCodec(b"o" * 32, timedelta(minutes=15), now=clock)
    with pytest.raises(InvalidToken, match="signature"):
        codec.decode(other.encode(user_id=7, session_id=42))


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "none", "typ": "JWT"},
        {"alg": "HS512", "typ": "JWT"},
        {"alg": "HS256"},
        {"alg": "HS256", "typ": "JWT", "kid": "../../key"},
        {"typ": "JWT", "alg": "HS256"},
    ],
)
def test_only_the_one_header_it_issues_is_accepted(codec: AccessTokenCodec, header: dict) -> None:
    claims = {"sub": "7", "sid": 42, "iat": 1_800_000_000, "exp": 1_900_000_000}
    with pytest.raises(InvalidToken, match="header"):
        codec.decode(signed(header, claims))


@pytest.mark.parametrize(
    "claims",
    [
        {"sub": "7", "sid": "42", "iat": 1, "exp": 1_900_000_000},
        {"sub": "seven", "sid": 42, "iat": 1, "exp": 1_900_000_000},
        {"sub": "7", "sid": 42, "iat": 1},
        {"sub": "7", "sid": 42, "iat": 1, "exp": 1_900_000_000, "role": "admin"},
    ],
    ids=["string sid", "non-numeric sub", "no exp", "extra claim"],
)
def test_correctly_signed_but_malformed_claims_are_refused(codec: AccessTokenCodec, claims: dict) -> None:
    with pytest.raises(InvalidToken, match="claims"):
        codec.decode(signed({"alg": "HS256", "typ": "JWT"}, claims))


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t + "=",
        lambda t: t.replace(".", "..", 1),
        lambda t: t[:-1] + "!",
        lambda t: t + "x" * 1100,
        lambda t: "é" + t,
        lambda t: t.rsplit(".", 1)[0],
    ],
    ids=["padding", "empty segment", "bad alphabet", "oversized", "non-ascii", "no signature"],
)
def test_malformed_tokens_are_refused(codec: AccessTokenCodec, mangle) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidToken):
        codec.decode(mangle(codec.encode(user_id=7, session_id=42)))


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        AccessTokenCodec(b"short", timedelta(minutes=15))


def test_the_worker_imports_neither_pyjwt_nor_cryptography() -> None:
    import subprocess
    import sys

    probe = (
        "import sys; import lebrq.bootstrap, lebrq.http.security; "
        "print(sorted(m for m in ('jwt', 'cryptography') if m in sys.modules))"
    )
    finished = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert finished.stdout.strip() == "[]"
