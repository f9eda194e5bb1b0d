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
from litestar.handlers import HTTPRouteHandler
from litestar.types import ASGIApp, Receive, ReceiveMessage, Scope, Send

from lebrq.http.raw_responses import send_error
from lebrq.ports.memory import MemoryProbe
from lebrq.ports.metrics import Metrics

BODY_TOO_LARGE = "body_too_large"
DRAIN_FACTOR = 4


class BodyTooLarge(HTTPException):
    status_code = 413


def too_large_detail(limit: int) -> str:
    if limit % (1024 * 1024) == 0:
        return f"Request body is larger than the limit of {limit // (1024 * 1024)} MB"
    return f"Request body is larger than the limit of {limit} bytes"


class BodySizeLimit:
    def __init__(self, app: ASGIApp, *, metrics: Metrics, memory: MemoryProbe) -> None:
        self.app = app
        self.metrics = metrics
        self.memory = memory

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope["route_handler"]
        limit = handler.resolve_request_max_body_size() if isinstance(handler, HTTPRouteHandler) else None
        if not limit:
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            self.metrics.count_rejection(BODY_TOO_LARGE)
            await send_error(
                send, 413, too_large_detail(limit), extra={"limit_bytes": limit}, headers={"Connection": "close"}
            )
            await _discard_rest(receive, limit)
            return

        received = 0
        refused = False

        async def counted_receive() -> ReceiveMessage:
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    self.metrics.count_rejection(BODY_TOO_LARGE)
                    raise BodyTooLarge(detail=too_large_detail(limit), extra={"limit_bytes": limit})
            return message

        try:
            await self.app(scope, counted_receive, send)
        finally:
            if refused:
                # A handler that buffers (request.body()) held up to `limit` bytes in
                # chunks; they are garbage now, and the allocator should give them back.
                self.memory.release_free_memory()
        if refused:
            await _discard_rest(receive, limit)


async def _discard_rest(receive: Receive, limit: int) -> None:
    """After a 413, read what the client is still sending and drop each chunk at once.

    Most clients (httpx, requests, many mobile stacks) send the whole body before they
    read the answer; a server that stops reading leaves them blocked on a full TCP window,
    and one that closes with unread data makes the kernel send a reset that can destroy
    the 413 on its way. Draining costs bandwidth, not memory, and is bounded: after
    DRAIN_FACTOR times the limit more, the connection is simply closed.
    """
    budget = DRAIN_FACTOR * limit
    while budget > 0:
        message = await receive()
        if message["type"] != "http.request":
            return
        budget -= len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
