"""Request metrics by route template, and the /metrics endpoint that exposes them."""

from __future__ import annotations

import hmac
import logging
import time
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from lebrq.http.security import optional_user
from lebrq.http.services import services_of
from lebrq.ports.metrics import Metrics

logger = logging.getLogger("lebrq.metrics")


class MetricsAccess(msgspec.Struct, frozen=True):
    """Who may read /metrics. With a `token` (METRICS_TOKEN): callers presenting it as a
    bearer token, and admins. Without one: everybody when `public` (development), only
    admins otherwise (production: route names, pool and memory figures are reconnaissance)."""

    token: str = ""
    public: bool = True

    @property
    def open_to_all(self) -> bool:
        return not self.token and self.public


_BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="metrics"'}


async def check_metrics_access(request: Request[Any, Any, Any], access: MetricsAccess) -> None:
    """Returns when the caller may read the metrics; raises 401 (no or wrong credentials)
    or 403 (a valid token of a user who is not an admin) otherwise."""
    if access.open_to_all:
        return
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise NotAuthorizedException("/metrics needs 'Authorization: Bearer <token>'", headers=_BEARER_CHALLENGE)
    if access.token and hmac.compare_digest(credential.encode(), access.token.encode()):
        return
    try:
        caller = await optional_user(request)
    except NotAuthorizedException:
        raise NotAuthorizedException("wrong metrics token", headers=_BEARER_CHALLENGE) from None
    if caller is None:
        raise NotAuthorizedException("wrong metrics token", headers=_BEARER_CHALLENGE)
    # The role is re-read from the database, like every admin route: a demoted or
    # disabled admin's token stops working at once.
    if not await services_of(request.app.state).user_admin.is_active_admin(caller.id):
        raise PermissionDeniedException("administrators only")


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
        await check_metrics_access(request, request.app.state.metrics_access)
        operations = request.app.state.operations
        metrics: Metrics = operations.metrics
        # This worker's gauges are refreshed now; the other workers' by their memory monitor.
        services = services_of(request.app.state)
        pool = services.database.pool_status()
        metrics.record_process(rss_bytes=operations.memory.read().process_rss_bytes, pool=pool)
        try:
            backlog = await services.outbox.backlog()
        except Exception as exc:  # database down: the other figures still answer
            logger.warning("metrics: outbox backlog not read: %s: %s", type(exc).__name__, exc)
        else:
            metrics.record_outbox(
                pending=backlog.pending, oldest_pending_age_seconds=backlog.oldest_pending_age_seconds
            )
        return Response(metrics.render(), media_type=metrics.content_type)
