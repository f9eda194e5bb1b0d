"""Cross-origin calls from browser pages on the origins an operator lists
(CORS_ALLOW_ORIGINS): preflights answered, CORS headers on answers to those origins
only. Nothing is allowed by default.

Tokens travel in the Authorization header, never in cookies, so credentials mode stays
off: a page elsewhere cannot ride on a signed-in user's cookies, because there are none.
"""

from __future__ import annotations

from collections.abc import Sequence

from litestar.config.cors import CORSConfig

# Everything the API's routes use.
ALLOWED_METHODS = ["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"]
# Request headers a client sends: auth, JSON/multipart bodies, idempotent retries,
# conditional and range downloads, request correlation.
ALLOWED_HEADERS = [
    "X-Request-ID",
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "If-None-Match",
    "If-Modified-Since",
    "If-Unmodified-Since",
    "If-Range",
    "Range",
    "X-Request-ID",
]
# Answer headers a page's script may read (beyond the CORS-safelisted ones).
EXPOSED_HEADERS = [
    "X-Request-ID",
    "Accept-Ranges",
    "Content-Disposition",
    "Content-Length",
    "Content-Range",
    "ETag",
    "Idempotent-Replayed",
    "Last-Modified",
    "Retry-After",
    "X-Request-ID",
]
# Browsers cache a preflight this long (seconds) before asking again.
PREFLIGHT_MAX_AGE = 600


def cors_config(origins: Sequence[str]) -> CORSConfig | None:
    if not origins:
        return None
    return CORSConfig(
        allow_origins=list(origins),
        allow_methods=ALLOWED_METHODS,  # type: ignore[arg-type]
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        allow_credentials=False,
        max_age=PREFLIGHT_MAX_AGE,
    )
