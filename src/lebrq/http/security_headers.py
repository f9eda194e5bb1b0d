"""Headers every answer carries, whoever produced it (a handler, a middleware refusal,
the router's 404 for an unmatched path, an error handler).

Installed as a Litestar `before_send` hook, which wraps `send` at the application's
entry point, outside all middleware and the router: no answer can leave without them.
"""

from __future__ import annotations

from litestar.types import Message, Scope

NOSNIFF = (b"x-content-type-options", b"nosniff")
# One year, subdomains included: the service is only ever meant to be reached over TLS.
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
_ADDED = {NOSNIFF[0], HSTS[0]}


async def add_security_headers(message: Message, scope: Scope) -> None:
    """`X-Content-Type-Options: nosniff` on every response, so a browser never runs an
    upload it was told is an image; `Strict-Transport-Security` when this answer goes
    out over TLS (the scope's scheme is https: Granian's own TLS, or a trusted proxy's
    `X-Forwarded-Proto` once the address rewrite has applied it)."""
    if message["type"] != "http.response.start":
        return
    headers = [(name, value) for name, value in message.get("headers", ()) if name.lower() not in _ADDED]
    headers.append(NOSNIFF)
    if scope.get("scheme") == "https":
        headers.append(HSTS)
    message["headers"] = headers
