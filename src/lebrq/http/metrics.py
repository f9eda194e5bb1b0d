"""Request metrics by route template, and the /metrics endpoint that exposes them."""

from __future__ import annotations

import time
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from lebrq.http.services import services_of
from lebrq.ports.metrics import Metrics


class RequestMetrics:
    """Counts and times every routed request, labelled by its template
    (`/api/bookings/{booking_id:int}`), never by the raw path, so the number of series stays
    bounded whatever clients send."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            self.metrics.observe_request(
                method=scope["method"],
                route=scope.get("path_template") or "unmatched",
                status=status,
                seconds=time.perf_counter() - started,
            )


class MetricsController(Controller):
    path = "/metrics"
    tags = ["health"]
    opt = {"exclude_from_auth": True}
    include_in_schema = False

    @get("/", media_type="text/plain")
    async def metrics(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        operations = request.app.state.operations
        metrics: Metrics = operations.metrics
        # This worker's gauges are refreshed now; the other workers' by their memory monitor.
        pool = services_of(request.app.state).database.pool_status()
        metrics.record_process(rss_bytes=operations.memory.read().process_rss_bytes, pool=pool)
        return Response(metrics.render(), media_type=metrics.content_type)
