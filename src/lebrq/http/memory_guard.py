"""Sheds load before the process runs out of memory.

Pure ASGI, outermost on every route: when the sampled system memory use is above
MEMORY_THRESHOLD_PERCENT, everything except /api/health* is answered 503 with
Retry-After without running the handler. The reading comes from `MemoryWatch`, which
reads /proc at most every MEMORY_CHECK_SECONDS, never per request. A MemoryError that
escapes the route's own error handling (see lebrq.http.errors) is answered the same way
after one full collection, so the worker survives it and keeps serving.
"""

from __future__ import annotations

import gc
import logging

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from lebrq.http.raw_responses import send_error
from lebrq.ports.metrics import Metrics
from lebrq.server.memory import MemoryLevel, MemoryWatch

logger = logging.getLogger("lebrq.http")

EXEMPT_PREFIX = "/api/health"
RETRY_AFTER_SECONDS = 5
RETRY_AFTER = {"Retry-After": str(RETRY_AFTER_SECONDS)}
MEMORY_ERROR_DETAIL = "The server ran out of memory for this request; try again shortly"
MEMORY_THRESHOLD = "memory_threshold"
MEMORY_ERROR = "memory_error"


class MemoryGuard:
    def __init__(self, app: ASGIApp, *, watch: MemoryWatch, metrics: Metrics) -> None:
        self.app = app
        self.watch = watch
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        if not scope["path"].startswith(EXEMPT_PREFIX) and self.watch.level() is not MemoryLevel.OK:
            self.metrics.count_rejection(MEMORY_THRESHOLD)
            await send_error(send, 503, "The server is low on memory; try again shortly", headers=RETRY_AFTER)
            return

        started = False

        async def send_tracking_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_tracking_start)
        except MemoryError:
            collected = gc.collect()
            self.metrics.count_rejection(MEMORY_ERROR)
            logger.error(
                "MemoryError on %s %s; full collection found %d objects", scope["method"], scope["path"], collected
            )
            if started:
                raise  # half a response is out: the server can only close the connection
            await send_error(send, 503, MEMORY_ERROR_DETAIL, headers=RETRY_AFTER)
