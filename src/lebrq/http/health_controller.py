from __future__ import annotations

import logging
from typing import Any, Literal

import anyio
import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec

from lebrq import __version__
from lebrq.http.contract import declare
from lebrq.http.operations import MemoryHealth, memory_health, operations_of
from lebrq.http.services import Services
from lebrq.ports.health import PoolStatus

logger = logging.getLogger("lebrq.http")


class HealthStatus(msgspec.Struct, frozen=True):
    status: str
    version: str = __version__


DependencyState = Literal["ok", "unavailable"]


class Readiness(msgspec.Struct, frozen=True):
    """Whether this instance can serve requests, and which dependency stops it."""

    status: Literal["ready", "unavailable"]
    database: DependencyState
    storage: DependencyState
    version: str = __version__


# A key no upload ever has: stat() answers "no such file" while storage is reachable.
STORAGE_PROBE_KEY = "health/readiness-probe"
CHECK_TIMEOUT_SECONDS = 2.0
READINESS_RETRY_AFTER = {"Retry-After": "5"}


async def _storage_state(services: Services) -> DependencyState:
    try:
        with anyio.fail_after(CHECK_TIMEOUT_SECONDS):
            await services.blob_storage.stat(STORAGE_PROBE_KEY)
    except Exception:
        logger.warning("readiness: storage unavailable", exc_info=True)
        return "unavailable"
    return "ok"


class HealthController(Controller):
    path = "/api/health"
    tags = ["health"]
    opt = {"exclude_from_auth": True}

    @get("/", operation_id="getHealth", opt=declare(can_be_unavailable=False))
    async def health(self) -> HealthStatus:
        return HealthStatus(status="ok")

    @get(
        "/ready",
        operation_id="getReadiness",
        description="200 when the database and file storage answer; else 503 naming the one that does not.",
        responses={503: ResponseSpec(Readiness, description="A dependency is unavailable (named in the body)")},
    )
    async def ready(self, services: NamedDependency[Services]) -> Response[Readiness]:
        database: DependencyState = "ok" if await services.database.ping() else "unavailable"
        storage = await _storage_state(services)
        if database == storage == "ok":
            return Response(Readiness(status="ready", database=database, storage=storage))
        readiness = Readiness(status="unavailable", database=database, storage=storage)
        return Response(readiness, status_code=503, headers=READINESS_RETRY_AFTER)

    @get("/pool", operation_id="getPoolStatus", opt=declare(can_be_unavailable=False))
    async def pool(self, services: NamedDependency[Services]) -> PoolStatus:
        return services.database.pool_status()

    @get("/memory", operation_id="getMemoryHealth", opt=declare(can_be_unavailable=False))
    async def memory(self, request: Request[Any, Any, Any]) -> MemoryHealth:
        return memory_health(operations_of(request.app.state))
