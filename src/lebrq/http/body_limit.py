"""Request body limits enforced on the stream, for every route.

The limit of a route is Litestar's `request_max_body_size` as resolved for its handler:
MAX_BODY_SIZE_MB from the app, or the route's own value (upload routes set theirs). Litestar
checks it only when a handler reads the body through `Request.stream()`/`body()`; this
middleware also covers handlers that read `receive` directly and answers a declared
Content-Length above the limit before anything runs or is read. A body sent without
Content-Length (chunked) is counted as it arrives and refused the moment it passes the
limit: the rest is never read.
"""

from __future__ import annotations

from litestar.exceptions import HTTPException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from lebrq.http.raw_responses import send_error
from lebrq.ports.metrics import Metrics

BODY_TOO_LARGE = "body_too_large"


class BodyTooLarge(HTTPException):
    status_code = 413


def too_large_detail(limit: int) -> str:
    if limit % (1024 * 1024) == 0:
        return f"Request body is larger than the limit of {limit // (1024 * 1024)} MB"
    return f"Request body is larger than the limit of {limit} bytes"


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = scope["route_handler"].resolve_request_max_body_size() if scope["type"] == "http" else None
        if not limit:
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            self.metrics.count_rejection(BODY_TOO_LARGE)
            # The body stays unread; closing the connection is cheaper than draining it.
            await send_error(send, 413, too_large_detail(limit), extra={"limit_bytes": limit}, headers={"Connection": "close"})
            return

        received = 0

        async def counted_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    self.metrics.count_rejection(BODY_TOO_LARGE)
                    raise BodyTooLarge(detail=too_large_detail(limit), extra={"limit_bytes": limit})
            return message

        await self.app(scope, counted_receive, send)


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
