"""Error answers sent straight from pure ASGI middleware, in Litestar's error shape, for
requests refused before (or outside) a route handler."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.types import Send


async def send_error(
    send: Send, status_code: int, detail: str, *, extra: Any = None, headers: dict[str, str] | None = None
) -> None:
    body = msgspec.json.encode({"status_code": status_code, "detail": detail, "extra": extra})
    raw_headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw_headers.extend((name.lower().encode(), value.encode()) for name, value in (headers or {}).items())
    await send({"type": "http.response.start", "status": status_code, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
