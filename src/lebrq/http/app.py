"""Assembles the Litestar application from controllers, auth, error mapping and limits.
Knows nothing of which adapters sit behind the services (that is bootstrap's job)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig

from lebrq import __version__
from lebrq.http.access_tokens import AccessTokenCodec
from lebrq.http.admin_audit_controller import AdminAuditLogController
from lebrq.http.admin_bookings_controller import AdminBookingController
from lebrq.http.admin_outbox_controller import AdminOutboxController
from lebrq.http.admin_users_controller import AdminUsersController
from lebrq.http.auth_controller import AuthController
from lebrq.http.bookings_controller import BookingController
from lebrq.http.catalog_controller import AdminCatalogController, ItemController, VenueController
from lebrq.http.contract import (
    StrictStructSchemaPlugin,
    apply_contract,
    openapi_components,
    per_operation_security,
    require_operation_id,
)
from lebrq.http.cors import cors_config
from lebrq.http.errors import exception_handlers
from lebrq.http.forwarded import ForwardedHeaders, TrustedProxies
from lebrq.http.health_controller import HealthController
from lebrq.http.json_depth import DepthCheckedRequest
from lebrq.http.media_controller import MEDIA_CONTROLLERS
from lebrq.http.metrics import MetricsAccess, MetricsController
from lebrq.http.operations import Operations
from lebrq.http.programs_controller import PROGRAM_CONTROLLERS
from lebrq.http.query_nulls import refuse_null_query_values
from lebrq.http.request_id import RequestId
from lebrq.http.security import bearer_middleware
from lebrq.http.security_headers import add_security_headers
from lebrq.http.services import provide_services
from lebrq.http.tax_documents_controller import TAX_DOCUMENT_CONTROLLERS

ROUTE_HANDLERS: list[Any] = [AuthController, HealthController, MetricsController, *MEDIA_CONTROLLERS]
# Catalog and bookings (issue 3).
ROUTE_HANDLERS += [VenueController, ItemController, AdminCatalogController, BookingController, AdminBookingController]
ROUTE_HANDLERS += [*PROGRAM_CONTROLLERS, *TAX_DOCUMENT_CONTROLLERS]
# Administration and audit (issue 11).
ROUTE_HANDLERS += [AdminAuditLogController, AdminUsersController]
# Notifications (issue 12).
ROUTE_HANDLERS += [AdminOutboxController]


def build_http_app(
    *,
    access_tokens: AccessTokenCodec,
    max_body_size: int,
    lifespan: Sequence[Callable[[Litestar], AbstractAsyncContextManager[None]]],
    operations: Operations,
    metrics_access: MetricsAccess | None = None,
    extra_route_handlers: Sequence[Any] = (),
    cors_allow_origins: Sequence[str] = (),
    debug: bool = False,
    forwarded_allow_ips: str = "",
) -> Litestar:
    app = Litestar(
        route_handlers=[*ROUTE_HANDLERS, *extra_route_handlers],
        dependencies={"services": Provide(provide_services, sync_to_thread=False)},
        exception_handlers=exception_handlers,
        on_app_init=[operations.on_app_init, per_operation_security],
        middleware=[bearer_middleware()],
        before_send=[add_security_headers],
        lifespan=list(lifespan),
        request_max_body_size=max_body_size,
        request_class=DepthCheckedRequest,
        cors_config=cors_config(cors_allow_origins),
        before_request=refuse_null_query_values,
        openapi_config=OpenAPIConfig(
            title="LeBRQ API",
            version=__version__,
            components=openapi_components(),
            operation_id_creator=require_operation_id,
        ),
        plugins=[StrictStructSchemaPlugin()],
        state=State(
            {
                "access_tokens": access_tokens,
                "operations": operations,
                "metrics_access": metrics_access or MetricsAccess(),
            }
        ),
        # Logging is configured once per process by the server (lebrq.server.json_logs);
        # Litestar's default would run dictConfig again in each worker and replace the
        # root JSON handler, so library lines would print as plain text.
        logging_config=None,
        debug=debug,
    )
    # Security, error answers, uploads and downloads in the OpenAPI document (http/contract.py).
    apply_contract(app)
    trusted_proxies = TrustedProxies.parse(forwarded_allow_ips)
    if trusted_proxies:
        # Outermost, in front of Litestar's own handler (404s, CORS and every middleware
        # included), so every part of the app sees the client's address.
        app.asgi_handler = ForwardedHeaders(app.asgi_handler, trusted_proxies)
    # Outside Litestar's routing and exception handling (and CORS), so that 404s, refusals
    # by any middleware and error answers carry the request id as well.
    app.asgi_handler = RequestId(app.asgi_handler)
    return app
