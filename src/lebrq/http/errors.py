"""The one place where domain errors become HTTP status codes, in Litestar's error shape."""

from __future__ import annotations

import gc
import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

from lebrq.domain.model.errors import (
    Conflict,
    DependencyUnavailable,
    DomainError,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    TooManyRequests,
    Unavailable,
    UnsupportedMediaType,
)
from lebrq.http.memory_guard import MEMORY_ERROR, MEMORY_ERROR_DETAIL, RETRY_AFTER

logger = logging.getLogger("lebrq.http")

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    InvalidInput: 400,
    NotAuthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    TooManyRequests: 429,
    Unavailable: 503,
}


def error_response(
    status_code: int, detail: str, extra: Any = None, headers: dict[str, str] | None = None
) -> Response[Any]:
    return Response(
        content={"status_code": status_code, "detail": detail, "extra": extra},
        status_code=status_code,
        headers=headers,
        media_type="application/json",
    )


def domain_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    assert isinstance(exc, DomainError)
    status = next((code for cls, code in STATUS_BY_ERROR.items() if isinstance(exc, cls)), 400)
    extra: dict[str, Any] = dict(exc.extra)
    if exc.field:
        extra["field"] = exc.field
    headers = None
    if isinstance(exc, TooManyRequests | Unavailable):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
        extra["retry_after_seconds"] = exc.retry_after_seconds
    if isinstance(exc, DependencyUnavailable):
        # The operator needs the cause; the client gets the short reason only.
        logger.warning("%s unavailable on %s %s: %r", exc.dependency, request.method, request.url.path, exc.__cause__)
    return error_response(status, exc.message, extra or None, headers)


def unexpected_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if isinstance(exc, ValidationException):
        return error_response(exc.status_code, exc.detail, _validation_extra(request, exc.extra), exc.headers)
    if isinstance(exc, HTTPException):
        return error_response(exc.status_code, exc.detail, exc.extra or None, exc.headers)
    # Logged with the traceback here; the client gets no internals.
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "Internal Server Error")


def _validation_extra(request: Request[Any, Any, Any], extra: Any) -> dict[str, Any] | None:
    """Litestar's validation problems in the shape of every other 400: `field` names the
    first offending parameter or body field, `errors` lists them all."""
    problems = _wire_names(request, extra)
    if not problems:
        return None
    if not isinstance(problems, list):
        return {"errors": problems}
    first = next((problem.get("key") for problem in problems if isinstance(problem, dict)), None)
    return {"field": first, "errors": problems} if first else {"errors": problems}


def _wire_names(request: Request[Any, Any, Any], extra: Any) -> Any:
    """Litestar names a parameter that failed validation by its Python name
    (`idempotency_key`); the client knows it as sent (`Idempotency-Key`, `from`)."""
    if not isinstance(extra, list):
        return extra
    try:
        parameters = request.route_handler.parsed_fn_signature.parameters
    except Exception:
        return extra
    renamed = []
    for problem in extra:
        if isinstance(problem, dict) and problem.get("source") in {"query", "header", "path", "cookie"}:
            definition = parameters.get(problem.get("key", ""))
            wire_name = getattr(getattr(definition, "kwarg_definition", None), "name", None)
            if wire_name:
                problem = {**problem, "key": wire_name}
        renamed.append(problem)
    return renamed


def memory_error_handler(request: Request[Any, Any, Any], _exc: Exception) -> Response[Any]:
    # The failed request's objects are unreachable now; collect them before answering so
    # the next request starts from a clean heap. The worker keeps serving.
    collected = gc.collect()
    logger.error("MemoryError on %s %s; full collection found %d objects", request.method, request.url.path, collected)
    operations = request.app.state.operations
    operations.memory.release_free_memory()
    operations.metrics.count_rejection(MEMORY_ERROR)
    return error_response(503, MEMORY_ERROR_DETAIL, headers=RETRY_AFTER)


exception_handlers: ExceptionHandlersMap = {
    DomainError: domain_error_handler,
    MemoryError: memory_error_handler,
    Exception: unexpected_error_handler,
}
