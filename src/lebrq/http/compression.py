"""gzip for JSON answers, and for nothing else.

Litestar's CompressionConfig compresses any body above a size, streams and files
included; here the rule is by content: a complete (single-message) JSON body of at least
`minimum_size` bytes is gzipped when the client accepts gzip. Streamed bodies (CSV
export, file downloads, PDFs) and non-JSON types are never touched, so ranges,
Content-Length and ETags of downloads stay true. A JSON route can also opt out with
`opt={SKIP_COMPRESSION: True}`.
"""

from __future__ import annotations

import gzip

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

SKIP_COMPRESSION = "skip_compression"
MINIMUM_SIZE = 1024
# Level 6 gives nearly all of level 9's ratio on JSON for a third of the CPU.
GZIP_LEVEL = 6


class JsonGzip:
    def __init__(self, app: ASGIApp, *, minimum_size: int = MINIMUM_SIZE, level: int = GZIP_LEVEL) -> None:
        self.app = app
        self.minimum_size = minimum_size
        self.level = level

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != ScopeType.HTTP
            or scope["route_handler"].opt.get(SKIP_COMPRESSION)
            or not accepts_gzip(scope)
        ):
            await self.app(scope, receive, send)
            return

        start: HTTPResponseStartEvent | None = None

        async def compressing_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            first, start = start, None
            if _is_json(first) and not message.get("more_body", False):
                body = message.get("body", b"")
                headers = [(k, v) for k, v in first["headers"] if k.lower() not in (b"content-length", b"vary")]
                headers.append((b"vary", b"Accept-Encoding"))
                if len(body) >= self.minimum_size and not _has_header(first, b"content-encoding"):
                    body = gzip.compress(body, compresslevel=self.level, mtime=0)
                    headers.append((b"content-encoding", b"gzip"))
                headers.append((b"content-length", str(len(body)).encode()))
                first = HTTPResponseStartEvent(type=first["type"], status=first["status"], headers=headers)
                message = {**message, "body": body}
            await send(first)
            await send(message)

        await self.app(scope, receive, compressing_send)


def accepts_gzip(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"accept-encoding":
            for part in value.decode("latin-1").split(","):
                coding, _, params = part.strip().partition(";")
                if coding.strip().lower() in ("gzip", "*"):
                    return _quality(params) > 0
    return False


def _quality(params: str) -> float:
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def _is_json(start: HTTPResponseStartEvent) -> bool:
    for name, value in start["headers"]:
        if name.lower() == b"content-type":
            media_type = value.split(b";")[0].strip().lower()
            return media_type == b"application/json" or media_type.endswith(b"+json")
    return False


def _has_header(start: HTTPResponseStartEvent, wanted: bytes) -> bool:
    return any(name.lower() == wanted for name, _ in start["headers"])
